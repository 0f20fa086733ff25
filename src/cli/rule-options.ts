import type { Command } from 'commander';
import { loadConfiguredRules } from '../detect/configured-rules.js';
import {
  loadRules,
  noticesByKind,
  type LoadedRules,
  type RuleNotice,
  type RuleProblem,
} from '../detect/loader.js';
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
export async function loadRulesReporting(
  { rules: paths, builtin, config: configFile }: RuleSourceOptions,
  { forTests = false }: { forTests?: boolean } = {},
): Promise<LoadedRules | undefined> {
  let loaded: LoadedRules;
  if (configFile !== undefined) {
    const rulesConfig = await loadRulesConfigReporting(configFile);
    if (rulesConfig === undefined) return undefined;
    loaded = await loadConfiguredRules(builtin ? rulesConfig : { ...rulesConfig, builtin: false }, paths, {
      forTests,
    });
  } else {
    loaded = await loadRules({ paths, builtin });
  }
  for (const problem of loaded.problems) printRuleProblem(problem);
  printNotices(loaded.notices);
  return loaded;
}

/** `invalid rule: FILE: Key: what is wrong`, as every command prints a rule that did not load. */
export function printRuleProblem(problem: RuleProblem): void {
  process.stderr.write(`invalid rule: ${problem.file}: ${problem.message}\n`);
}

/** Notices shown per kind before the rest are only counted. */
const NOTICES_SHOWN_PER_KIND = 5;

/**
 * Prints rule notices on stderr, `skipped rule: FILE: why` or `note: FILE: what`: the first few of
 * each kind, then how many more — a panther-analysis checkout holds hundreds of Python rules.
 */
export function printNotices(notices: readonly RuleNotice[]): void {
  for (const group of noticesByKind(notices).values()) {
    for (const notice of group.slice(0, NOTICES_SHOWN_PER_KIND)) {
      process.stderr.write(
        `${notice.skipped ? 'skipped rule' : 'note'}: ${notice.file}: ${notice.message}\n`,
      );
    }
    const more = group.length - NOTICES_SHOWN_PER_KIND;
    if (more > 0) {
      const what = group[0]!.skipped ? 'rules skipped' : 'notes';
      process.stderr.write(`… and ${more} more ${what} like these (${group[0]!.kind})\n`);
    }
  }
}
