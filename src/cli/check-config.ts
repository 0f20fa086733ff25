import type { Command } from 'commander';
import { stringify } from 'yaml';
import { maskConfig } from '../config/index.js';
import { loadConfiguredRules } from '../detect/configured-rules.js';
import { isRunnable, NO_RUNNABLE_RULES } from '../detect/rule.js';
import { EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { loadConfigReporting } from './load-config.js';
import { printNotices } from './rule-options.js';

/**
 * `s3-sentinel check-config --config FILE`: validates a config and the rules it names (paths,
 * rule files, `rules.enabled`/`disabled` ids, settings) and prints what it resolved to (defaults
 * filled in, `${VAR}` replaced, secrets masked) on stdout, exit 0; or every problem with its path
 * on stderr, exit 2.
 */
export function registerCheckConfig(program: Command): void {
  program
    .command('check-config')
    .description('validate a config file and the rules it names, and print what it resolved (secrets masked)')
    .requiredOption('-c, --config <file>', 'YAML config file')
    .action(async (options: { config: string }) => {
      const config = await loadConfigReporting(options.config);
      if (config === undefined) {
        process.exitCode = EXIT_USAGE;
        return;
      }
      const { rules, problems, notices } = await loadConfiguredRules(config.rules);
      printNotices(notices);
      if (problems.length > 0) {
        process.stderr.write(
          `s3-sentinel: ${options.config}: the rules it names have problems:\n${problems.map((p) => `  ${p.file}: ${p.message}\n`).join('')}`,
        );
        process.exitCode = EXIT_USAGE;
        return;
      }
      const running = rules.filter(isRunnable).length;
      if (running === 0) {
        // `run` refuses such a config (exit 2); this is where users look first.
        process.stderr.write(`s3-sentinel: ${options.config}: ${NO_RUNNABLE_RULES}\n`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      process.stdout.write(
        `# ${options.config}: valid, ${running} rules enabled (secrets masked)\n${stringify(maskConfig(config))}`,
      );
      process.exitCode = EXIT_OK;
    });
}
