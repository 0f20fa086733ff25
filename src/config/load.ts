import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError, formatPath, yamlErrorSummary, type ConfigIssue } from './errors.js';
import { interpolateEnv, type Env } from './interpolate.js';
import { ConfigSchema, type Config, type RulesConfig } from './schema.js';

export interface LoadOptions {
  /** Where `${VAR}` values come from; `process.env` by default. */
  env?: Env;
  /**
   * Sections the caller does not use, left out before interpolation and validation (so their
   * variables need not be set): `scan` ignores the daemon's `sqs`, `server` and `shutdown`.
   */
  ignoreSections?: readonly string[];
}

/** Reads, interpolates and validates a YAML config file. Throws ConfigError listing every problem. */
export async function loadConfig(file: string, options: LoadOptions = {}): Promise<Config> {
  return parseConfig(await readConfigFile(file), { ...options, origin: file });
}

/**
 * Only the `rules` section of a config file, interpolated and validated on its own: what `test`
 * and `rules` need, without the sinks' secrets (a CI job that tests rules holds none).
 */
export async function loadRulesConfig(file: string, options: LoadOptions = {}): Promise<RulesConfig> {
  const raw = readSections(await readConfigFile(file), file);
  const issues: ConfigIssue[] = [];
  const rules = interpolateEnv(raw.rules ?? {}, options.env ?? process.env, issues, ['rules']);
  if (issues.length > 0) throw new ConfigError(file, issues);
  const result = RulesOnlySchema.safeParse({ rules });
  if (!result.success) throw new ConfigError(file, result.error.issues.flatMap(toConfigIssues));
  return deepFreeze(result.data.rules);
}

const RulesOnlySchema = ConfigSchema.pick({ rules: true });

async function readConfigFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(file, [{ path: '', message: `cannot read the file (${reason})` }]);
  }
}

/** The YAML text as a mapping of sections, not yet interpolated or validated. */
function readSections(text: string, origin: string): Record<string, unknown> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, lineCounter });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      origin,
      doc.errors.map((e) => ({ path: '', message: `YAML: ${yamlErrorSummary(e.message)}` })),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS() ?? {};
  } catch (err) {
    throw new ConfigError(origin, unresolvedAliases(doc, lineCounter, err));
  }
  if (typeof raw !== 'object' || Array.isArray(raw) || raw === null) {
    throw new ConfigError(origin, [
      { path: '', message: 'expected a mapping of sections (sqs, s3, rules, …)' },
    ]);
  }
  return raw as Record<string, unknown>;
}

/**
 * Why `toJS()` failed, without echoing the text: an unquoted value starting with `*` is read as an
 * alias, and yaml's message quotes it — a secret written in place (`routingKey: *R0UT…`) would
 * then be printed to the terminal and to the daemon's logs.
 */
function unresolvedAliases(doc: Document, lineCounter: LineCounter, err: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  visit(doc, {
    Alias(_, node) {
      if (node.resolve(doc) !== undefined) return;
      const line = node.range ? lineCounter.linePos(node.range[0]).line : undefined;
      issues.push({
        path: '',
        message: `YAML${line === undefined ? '' : ` line ${line}`}: a value starting with * is read as an alias to an anchor that does not exist; quote the value`,
      });
    },
  });
  if (issues.length > 0) return issues;
  const reason =
    err instanceof Error && /alias count/i.test(err.message) ? 'too many aliases' : 'cannot be read';
  return [{ path: '', message: `YAML: ${reason}` }];
}

/** Parses a YAML config from text; `origin` names it in errors. The result is deeply frozen. */
export function parseConfig(text: string, options: LoadOptions & { origin?: string } = {}): Config {
  const origin = options.origin ?? '<inline>';
  const raw = readSections(text, origin);
  for (const section of options.ignoreSections ?? []) delete raw[section];
  const envIssues: ConfigIssue[] = [];
  const interpolated = interpolateEnv(raw, options.env ?? process.env, envIssues);
  if (envIssues.length === 0) return validateConfig(interpolated, origin);
  // Report every problem in one go, but not the schema's complaint about a value whose variable is
  // missing (`${SLACK_WEBHOOK_URL}` is not a URL): that would only repeat the first error.
  const unresolved = new Set(envIssues.map((issue) => issue.path));
  const schemaIssues = schemaIssuesOf(interpolated).filter((issue) => !unresolved.has(issue.path));
  throw new ConfigError(origin, [...envIssues, ...schemaIssues]);
}

/** Validates an already-parsed object (after interpolation) against the schema. */
export function validateConfig(value: unknown, origin = '<inline>'): Config {
  const result = ConfigSchema.safeParse(value);
  if (!result.success) throw new ConfigError(origin, result.error.issues.flatMap(toConfigIssues));
  return deepFreeze(result.data);
}

function schemaIssuesOf(value: unknown): ConfigIssue[] {
  const result = ConfigSchema.safeParse(value);
  return result.success ? [] : result.error.issues.flatMap(toConfigIssues);
}

function toConfigIssues(issue: z.core.$ZodIssue): ConfigIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown key' }));
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
