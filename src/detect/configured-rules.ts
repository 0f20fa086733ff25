import type { RulesConfig } from '../config/index.js';
import { loadRules, type LoadedRules, type RuleProblem } from './loader.js';

/**
 * The rules a config asks for: the built-in pack (unless `builtin: false`), `paths` plus the
 * command line's `--rules`, compiled with `settings`, then switched on (`enabled`) or off
 * (`disabled`) by id. An id that names no loaded rule is a problem, not a silent no-op: a typo would
 * otherwise leave a noisy rule running or a wanted one off. The daemon and `scan` share this.
 */
export async function loadConfiguredRules(
  config: Pick<RulesConfig, 'builtin' | 'paths' | 'settings' | 'disabled' | 'enabled'>,
  extraPaths: readonly string[] = [],
): Promise<LoadedRules> {
  const on = new Set(config.enabled);
  const off = new Set(config.disabled);
  const loaded = await loadRules({
    builtin: config.builtin,
    paths: [...config.paths, ...extraPaths],
    settings: config.settings,
    willRun: (id, enabledInFile) => !off.has(id) && (enabledInFile || on.has(id)),
  });
  const problems: RuleProblem[] = [...loaded.problems];
  const ids = new Set(loaded.rules.map((rule) => rule.id));
  for (const [list, key] of [
    [on, 'rules.enabled'],
    [off, 'rules.disabled'],
  ] as const) {
    for (const id of list) {
      if (!ids.has(id)) problems.push({ file: key, message: `"${id}" names no loaded rule` });
      else if (list === on && off.has(id))
        problems.push({ file: key, message: `"${id}" is also in rules.disabled; it stays off` });
    }
  }
  const rules = loaded.rules.map((rule) => {
    if (off.has(rule.id)) return rule.enabled ? { ...rule, enabled: false } : rule;
    if (on.has(rule.id) && !rule.enabled) return { ...rule, enabled: true };
    return rule;
  });
  return { rules, problems, notices: loaded.notices };
}
