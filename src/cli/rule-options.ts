import type { Command } from 'commander';
import { loadRules, type LoadedRules } from '../detect/loader.js';

/** `--rules DIR`, repeatable, shared by scan, test and rules. */
export function addRulesOption(command: Command): Command {
  return command.option(
    '--rules <dir>',
    'extra rule directory or file (repeatable); added to the built-in pack (which a config can turn off with rules.builtin: false)',
    (value: string, previous: string[]) => [...previous, value],
    [] as string[],
  );
}

/** Loads the built-in pack plus `--rules`, printing every invalid rule on stderr. */
export async function loadRulesReporting(paths: string[]): Promise<LoadedRules> {
  const loaded = await loadRules({ paths });
  for (const problem of loaded.problems)
    process.stderr.write(`invalid rule: ${problem.file}: ${problem.message}\n`);
  return loaded;
}
