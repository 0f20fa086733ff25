import type { RulesConfig } from '../config/index.js';
import { S3_ACCESS_LOG_TYPE } from '../logs/s3-access/index.js';
import { loadRules, type LoadedRules, type RuleProblem } from './loader.js';
import { isRunnable } from './rule.js';

export interface ConfiguredRules extends LoadedRules {
  /**
   * Mistakes of the config rather than of a rule file: a rules path that cannot be read (a volume
   * not mounted) and ids in `rules.enabled`/`rules.disabled` that name no rule. Also in `problems`.
   * The daemon refuses to start on them: it would otherwise run without the detections it was
   * given, and say so only in a log line.
   */
  configProblems: RuleProblem[];
}

/**
 * The rules a config asks for: the built-in pack (unless `builtin: false`), `paths` plus the
 * command line's `--rules`, compiled with `settings`, then switched on (`enabled`) or off
 * (`disabled`) by id. An id that names no loaded rule is a problem, not a silent no-op: a typo would
 * otherwise leave a noisy rule running or a wanted one off. The daemon and `scan` share this;
 * `test` passes `forTests`: every code rule's module is loaded (a disabled rule is tested too), and
 * the built-in pack keeps its own settings, which its tests are written for.
 */
export async function loadConfiguredRules(
  config: Pick<RulesConfig, 'builtin' | 'paths' | 'settings' | 'disabled' | 'enabled'>,
  extraPaths: readonly string[] = [],
  { forTests = false }: { forTests?: boolean } = {},
): Promise<ConfiguredRules> {
  const on = new Set(config.enabled);
  const off = new Set(config.disabled);
  const loaded = await loadRules({
    builtin: config.builtin,
    paths: [...config.paths, ...extraPaths],
    settings: config.settings,
    // Tests run every rule, enabled or not, and the built-in ones with their own settings.
    ...(forTests
      ? { builtinSeesSiteSettings: false }
      : { willRun: (id: string, enabledInFile: boolean) => !off.has(id) && (enabledInFile || on.has(id)) }),
  });
  const configProblems = loaded.problems.filter((problem) => problem.unreadable);
  const problems: RuleProblem[] = [...loaded.problems];
  const ids = new Set(loaded.rules.map((rule) => rule.id));
  for (const [list, key] of [
    [on, 'rules.enabled'],
    [off, 'rules.disabled'],
  ] as const) {
    for (const id of list) {
      let message: string | undefined;
      if (!ids.has(id)) message = `"${id}" names no loaded rule`;
      else if (list === on && off.has(id)) message = `"${id}" is also in rules.disabled; it stays off`;
      if (message === undefined) continue;
      const problem = { file: key, message }; // one object in both lists: see daemon.ts
      problems.push(problem);
      configProblems.push(problem);
    }
  }
  const rules = loaded.rules.map((rule) => {
    if (off.has(rule.id)) return rule.enabled ? { ...rule, enabled: false } : rule;
    if (on.has(rule.id) && !rule.enabled) return { ...rule, enabled: true };
    return rule;
  });
  // A misspelt log type (`AWS.S3ServerAcess`) passes its tests and never matches a live line.
  const notices = [...loaded.notices];
  for (const rule of rules) {
    if (!isRunnable(rule) || rule.logTypes.includes(S3_ACCESS_LOG_TYPE)) continue;
    notices.push({
      file: rule.file,
      message: `"${rule.id}" never runs: its LogTypes (${rule.logTypes.join(', ')}) name no log type s3-sentinel reads (${S3_ACCESS_LOG_TYPE})`,
      skipped: false,
      kind: 'log-type-not-read',
    });
  }
  return { rules, problems, notices, configProblems };
}

/** Problems of the config's rule settings on one line, for a start-up error. */
export function formatConfigProblems(problems: ConfiguredRules['configProblems']): string {
  return problems.map((problem) => `${problem.file}: ${problem.message}`).join('; ');
}
