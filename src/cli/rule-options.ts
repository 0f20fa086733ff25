import type { Command } from 'commander';
import { loadRules, type LoadedRules } from '../detect/loader.js';

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

/** Loads the built-in pack (unless left out) plus `--rules`, printing every invalid rule on stderr. */
export async function loadRulesReporting({ rules: paths, builtin }: RuleSourceOptions): Promise<LoadedRules> {
  const loaded = await loadRules({ paths, builtin });
  for (const problem of loaded.problems)
    process.stderr.write(`invalid rule: ${problem.file}: ${problem.message}\n`);
  return loaded;
}
