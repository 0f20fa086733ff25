import type { Command } from 'commander';
import { loadConfiguredRules } from '../detect/configured-rules.js';
import { loadRules, type LoadedRules, type RuleNotice } from '../detect/loader.js';
import { loadRulesConfigReporting } from './load-config.js';

/** What `--rules`, `--no-builtin` and (for test and rules) `--config` give a command's action. */
export interface RuleSourceOptions {
  rules: string[];
  /** False with `--no-builtin`. */
  builtin: boolean;
  config?: string;
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

/** `-c, --config FILE` for commands that only need a config's `rules` section (test, rules). */
export function addRulesConfigOption(command: Command): Command {
  return command.option(
    '-c, --config <file>',
    "take the config's rules section (paths, enabled, disabled, settings); its other sections are not read",
  );
}

/**
 * Loads the built-in pack (unless left out) plus `--rules` — through the config's `rules` section
 * when `--config` is given — printing every invalid rule, skipped rule and replaced built-in rule
 * on stderr. `undefined` when the config is not valid (reported; the command exits 2).
 */
export async function loadRulesReporting({
  rules: paths,
  builtin,
  config: configFile,
}: RuleSourceOptions): Promise<LoadedRules | undefined> {
  let loaded: LoadedRules;
  if (configFile !== undefined) {
    const rulesConfig = await loadRulesConfigReporting(configFile);
    if (rulesConfig === undefined) return undefined;
    loaded = await loadConfiguredRules(builtin ? rulesConfig : { ...rulesConfig, builtin: false }, paths);
  } else {
    loaded = await loadRules({ paths, builtin });
  }
  for (const problem of loaded.problems)
    process.stderr.write(`invalid rule: ${problem.file}: ${problem.message}\n`);
  for (const notice of loaded.notices) process.stderr.write(`${describeNotice(notice)}\n`);
  return loaded;
}

/** `skipped rule: FILE: why` or `note: FILE: what`, as the CLI prints rule notices. */
export function describeNotice(notice: RuleNotice): string {
  return `${notice.skipped ? 'skipped rule' : 'note'}: ${notice.file}: ${notice.message}`;
}
