import type { Command } from 'commander';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import {
  addRulesConfigOption,
  addRulesOption,
  loadRulesReporting,
  type RuleSourceOptions,
} from './rule-options.js';

/** `s3-sentinel rules`: lists the loaded rules, one per line, as a table. */
export function registerRules(program: Command): void {
  addRulesConfigOption(addRulesOption(program.command('rules')))
    .description('list the loaded rules: id, severity, dedup period, threshold, enabled, log types')
    .action(async (options: RuleSourceOptions) => {
      const loaded = await loadRulesReporting(options);
      if (loaded === undefined) {
        process.exitCode = EXIT_USAGE;
        return;
      }
      const { rules, problems } = loaded;
      const rows = [
        ['RULE', 'SEVERITY', 'DEDUP', 'THRESHOLD', 'ENABLED', 'LOG TYPES'],
        ...rules.map((rule) => [
          rule.id,
          rule.severity,
          `${rule.dedupPeriodMinutes}m`,
          String(rule.threshold),
          // A signal (CreateAlert: false) is tested but never run: see RuleMetadata.createAlert.
          !rule.enabled ? 'no' : rule.createAlert ? 'yes' : 'signal',
          rule.logTypes.join(','),
        ]),
      ];
      const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
      const lines = rows.map((row) =>
        row
          .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
          .join('  '),
      );
      process.stdout.write(`${lines.join('\n')}\n`);
      process.exitCode = problems.length > 0 ? EXIT_FAILED : EXIT_OK;
    });
}
