import type { Command } from 'commander';
import { loadRules, type LoadedRules, type RuleNotice } from '../detect/loader.js';

/** What `--rules` and `--no-builtin` give a command's action. */
export interface RuleSourceOptions {
  rules: string[];
  /** False with `--no-builtin`. */
  builtin: boolean;
}

/** `--rules DIR` (repeatable) and `--no-builtin`, shared by scan, test and rules. */
export function addRulesOption(command: Command): Command {
  return command
    .option(
      '--rules <dir>',
      'extra rule directory or file (repeatable), added to the built-in pack',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--no-builtin', 'leave out the built-in rule pack (e.g. to test only your own rules)');
}

/**
 * Loads the built-in pack (unless left out) plus `--rules`, printing every invalid rule, skipped
 * rule and replaced built-in rule on stderr.
 */
export async function loadRulesReporting({ rules: paths, builtin }: RuleSourceOptions): Promise<LoadedRules> {
  const loaded = await loadRules({ paths, builtin });
  for (const problem of loaded.problems)
    process.stderr.write(`invalid rule: ${problem.file}: ${problem.message}\n`);
  for (const notice of loaded.notices) process.stderr.write(`${describeNotice(notice)}\n`);
  return loaded;
}

/** `skipped rule: FILE: why` or `note: FILE: what`, as the CLI prints rule notices. */
export function describeNotice(notice: RuleNotice): string {
  return `${notice.skipped ? 'skipped rule' : 'note'}: ${notice.file}: ${notice.message}`;
}
