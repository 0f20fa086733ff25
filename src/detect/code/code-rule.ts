/**
 * Code rules: `Filename: my_rule.ts` (or `.js`, `.mjs`) beside the YAML, exporting `rule(event)` and
 * optionally `title`, `dedup`, `severity`, `alertContext`, `description`, `runbook`, `reference` and
 * `destinations`. TypeScript is loaded through tsx's ESM API, so no build step is needed.
 *
 * Every function receives the event and a second argument `{ settings }` (the site settings).
 */
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LogEvent } from '../../logs/event.js';
import type { RuleHelpers } from '../rule.js';

export const CODE_RULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;

/** camelCase names, with Panther's snake_case spelling accepted as an alias. */
const HELPER_EXPORTS: Array<[keyof RuleHelpers, string[]]> = [
  ['title', ['title']],
  ['dedup', ['dedup']],
  ['severity', ['severity']],
  ['alertContext', ['alertContext', 'alert_context']],
  ['description', ['description']],
  ['runbook', ['runbook']],
  ['reference', ['reference']],
  ['destinations', ['destinations']],
];

export interface CodeRuleContext {
  settings: Readonly<Record<string, unknown>>;
}

async function importModule(file: string): Promise<Record<string, unknown>> {
  const extension = extname(file);
  if (!(CODE_RULE_EXTENSIONS as readonly string[]).includes(extension)) {
    throw new Error(`unsupported rule module type "${extension}" (use ${CODE_RULE_EXTENSIONS.join(', ')})`);
  }
  const url = pathToFileURL(file).href;
  if (extension === '.ts' || extension === '.mts') {
    // tsx keeps a transform cache under os.tmpdir() and fails to load at all when it cannot create
    // it (a read-only root filesystem in a hardened container). Rules load once per start: the
    // cache would only speed up the next start. Read when tsx first loads, so set before.
    process.env.TSX_DISABLE_CACHE ??= '1';
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(url)) as Record<string, unknown>;
}

export interface LoadedCodeRule {
  body: (event: LogEvent) => boolean;
  helpers: RuleHelpers;
}

export async function loadCodeRule(file: string, context: CodeRuleContext): Promise<LoadedCodeRule> {
  const module = await importModule(file);
  const rule = module.rule;
  if (typeof rule !== 'function') throw new Error('the module must export a function named "rule"');
  if (module.unique !== undefined) {
    // Ignoring it would make Threshold count every match instead of distinct values: early alerts.
    throw new Error('export "unique" (thresholds on distinct values) is not supported');
  }
  const body = (event: LogEvent): boolean => {
    const result: unknown = rule(event, context);
    if (typeof result !== 'boolean') throw new TypeError(`rule() returned ${typeof result}, not a boolean`);
    return result;
  };
  const helpers: RuleHelpers = {};
  for (const [name, aliases] of HELPER_EXPORTS) {
    const exported = aliases.map((alias) => module[alias]).find((value) => value !== undefined);
    if (exported === undefined) continue;
    if (typeof exported !== 'function') throw new Error(`export "${name}" must be a function`);
    helpers[name] = (event: LogEvent) => exported(event, context) as unknown;
  }
  return { body, helpers };
}
