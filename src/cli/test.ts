import type { Command } from 'commander';
import {
  filterKeyIsKnown,
  parseRuleFilter,
  ruleMatchesFilters,
  runRuleTests,
  type RuleFilter,
} from '../detect/rule-tests.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import {
  addRulesConfigOption,
  addRulesOption,
  loadRulesReporting,
  type RuleSourceOptions,
} from './rule-options.js';

interface TestOptions extends RuleSourceOptions {
  filter: string[];
  minimumTests?: string;
}

/** `s3-sentinel test`: runs every rule's Tests, printed like `panther_analysis_tool test`. */
export function registerTest(program: Command): void {
  addRulesConfigOption(addRulesOption(program.command('test')))
    .description("run the rules' unit tests (Tests in each rule file), like panther_analysis_tool test")
    .option(
      '--filter <key=value>',
      'only rules whose attribute matches, e.g. Severity=High or Tags=AWS (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--minimum-tests <n>',
      'fail rules with fewer tests (with 2 or more: also one true and one false)',
    )
    .action(async (options: TestOptions) => {
      process.exitCode = await runTestCommand(options);
    });
}

async function runTestCommand(options: TestOptions): Promise<number> {
  let filters: RuleFilter[];
  try {
    filters = options.filter.map(parseRuleFilter);
    const unknown = filters.find((filter) => !filterKeyIsKnown(filter.key));
    if (unknown) throw new Error(`--filter: unknown rule attribute "${unknown.key}"`);
  } catch (err) {
    process.stderr.write(`s3-sentinel test: ${(err as Error).message}\n`);
    return EXIT_USAGE;
  }
  const minimumTests = options.minimumTests === undefined ? 0 : Number(options.minimumTests);
  if (!Number.isInteger(minimumTests) || minimumTests < 0) {
    process.stderr.write('s3-sentinel test: --minimum-tests needs a whole number\n');
    return EXIT_USAGE;
  }
  const loaded = await loadRulesReporting(options, { forTests: true });
  if (loaded === undefined) return EXIT_USAGE;
  const { rules, problems, notices } = loaded;
  const out: string[] = [];
  let passed = 0;
  const failed: string[] = [];
  const selected = rules.filter((candidate) => ruleMatchesFilters(candidate, filters));
  for (const rule of selected) {
    const report = runRuleTests(rule, { minimumTests });
    out.push(rule.id);
    for (const result of report.cases) {
      out.push(`\t[${result.passed ? 'PASS' : 'FAIL'}] ${result.name}`);
      if (!result.passed) {
        out.push(
          `\t\texpected ${result.expected}, got ${result.actual ?? 'an error'}${result.error ? `: ${result.error}` : ''}`,
        );
      }
    }
    for (const problem of report.problems) out.push(`\t[FAIL] ${problem}`);
    out.push('');
    if (report.problems.length > 0 || report.cases.some((result) => !result.passed)) failed.push(rule.id);
    else passed++;
  }
  out.push('--------------------------');
  out.push('Test Summary');
  // Passed and Failed count rules (a rule fails when any of its tests does); Invalid counts files.
  out.push(`\tPassed: ${passed}`);
  out.push(`\tFailed: ${failed.length}`);
  for (const id of failed) out.push(`\t\t${id}`);
  out.push(`\tInvalid: ${new Set(problems.map((problem) => problem.file)).size}`);
  for (const problem of problems) out.push(`\t\t${problem.file}: ${problem.message}`);
  // Rules of kinds we do not run (Python, derived detections): listed, never failed on.
  const skipped = notices.filter((notice) => notice.skipped);
  if (skipped.length > 0) out.push(`\tSkipped: ${skipped.length}`);
  for (const notice of skipped) out.push(`\t\t${notice.file}: ${notice.message}`);
  process.stdout.write(`${out.join('\n')}\n`);
  if (selected.length === 0 && problems.length === 0) {
    // Only skipped rules (a Python-only repository) still means nothing was tested.
    // A wrong directory or a misspelt filter value must not pass a CI run by testing nothing.
    process.stderr.write(
      `s3-sentinel test: no rules to test${filters.length > 0 ? ' (none matches --filter)' : ''}\n`,
    );
    return EXIT_FAILED;
  }
  return failed.length > 0 || problems.length > 0 ? EXIT_FAILED : EXIT_OK;
}
