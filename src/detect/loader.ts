/**
 * Loads rule directories: every `*.yml`/`*.yaml` with `AnalysisType: rule` becomes a compiled rule.
 * A file that is not valid is reported (file, key, what is wrong) and skipped; the others still
 * load. Rules of a kind we do not run (Python, derived detections) are skipped with a notice, and
 * other Panther analysis types (policies, data models, globals…) quietly, so that a whole
 * panther-analysis checkout can be pointed at. A `--rules` rule with a built-in rule's RuleID
 * replaces the built-in one (Panther's workflow: copy a rule, tune it), with a notice.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, YAMLParseError, type Node } from 'yaml';
import { yamlErrorSummary } from '../config/errors.js';
import { loadCodeRule } from './code/code-rule.js';
import type { CompiledRule, RuleMetadata } from './rule.js';
import { describeIssues, ruleFileSchema, type RuleFile } from './schema.js';
import { RuleSyntaxError } from './simple/errors.js';
import { compileFiltersAndBody, compileSimpleRule } from './simple/simple-rule.js';
import { unknownFieldKeys } from './simple/unknown-fields.js';
import { fieldCode, S3_ACCESS_LOG_TYPE } from '../logs/s3-access/fields.js';
import { packageRoot } from '../package-root.js';

/** The built-in pack: `rules/` at the package root. */
export function builtinRulesDir(): string {
  return resolve(packageRoot, 'rules');
}

export interface LoadRulesOptions {
  /** Extra rule directories (or single rule files), as given with `--rules`. */
  paths?: readonly string[];
  /** Load the built-in pack (default true). */
  builtin?: boolean;
  /** Site settings (config `rules.settings`), read by rules through `{ Setting: name }`. */
  settings?: Readonly<Record<string, unknown>>;
  /**
   * Whether a code rule will run (given its id and the file's `Enabled`); its module is imported
   * only then. `scan` and `run` pass this so a rule shipped disabled costs no module import (tsx
   * alone takes about a third of a second); `test` and `rules` leave it out and load every module.
   */
  willRun?: (ruleId: string, enabledInFile: boolean) => boolean;
  /**
   * Whether the built-in pack sees the site `settings` (default true). `test` passes false: the
   * built-in rules' tests are written against their own `Settings` defaults, and a site's
   * allowlists and bucket lists would fail them.
   */
  builtinSeesSiteSettings?: boolean;
}

type WillRun = LoadRulesOptions['willRun'];

export interface RuleProblem {
  file: string;
  /** `Key.path: what is wrong`. */
  message: string;
  /** Set when `file` is a rules path (directory or file) that could not be read at all. */
  unreadable?: true;
}

/** Not a mistake, but worth saying: a rule skipped by design, or a built-in rule replaced. */
export interface RuleNotice {
  file: string;
  message: string;
  /** True when the file's rule was not loaded (it is counted as skipped). */
  skipped: boolean;
  /** What the notice is about, for grouping: a checkout of panther-analysis gives hundreds. */
  kind:
    | 'python'
    | 'python-filename-ignored'
    | 'derived'
    | 'replaces-builtin'
    | 'log-type-not-read'
    | 'unknown-field';
}

/** Notices by kind, in order of first appearance (`Map.groupBy` needs Node 21). */
export function noticesByKind(notices: readonly RuleNotice[]): Map<RuleNotice['kind'], RuleNotice[]> {
  const groups = new Map<RuleNotice['kind'], RuleNotice[]>();
  for (const notice of notices) {
    const group = groups.get(notice.kind);
    if (group) group.push(notice);
    else groups.set(notice.kind, [notice]);
  }
  return groups;
}

export interface LoadedRules {
  rules: CompiledRule[];
  problems: RuleProblem[];
  notices: RuleNotice[];
}

const YAML_FILE = /\.ya?ml$/i;

/**
 * The YAML files under `path`, symlinks followed (rule packs are often linked in from a shared
 * checkout: skipping them would silently drop rules). `seen` holds the real paths of directories
 * already listed, so a link loop ends.
 */
async function listYamlFiles(path: string, seen = new Set<string>()): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const real = await realpath(path);
  if (seen.has(real)) return [];
  seen.add(real);
  const files: string[] = [];
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true })) {
    const entryPath = join(entry.parentPath, entry.name);
    if (entry.isFile()) {
      if (YAML_FILE.test(entry.name)) files.push(entryPath);
    } else if (entry.isSymbolicLink()) {
      // A broken link is left to the loader only when it looks like a rule file, which then
      // reports it as unreadable; a broken link to anything else is not a rule.
      const target = await stat(entryPath).catch(() => undefined);
      if (target?.isDirectory()) files.push(...(await listYamlFiles(entryPath, seen)));
      else if (YAML_FILE.test(entry.name)) files.push(entryPath);
    }
  }
  return files.sort();
}

/**
 * The module a code rule's `Filename` names: beside the rule file itself (a file linked in from a
 * pack keeps its module in the pack), and — links resolved — in that file's directory or below.
 * Loading a module runs it, so a rule file must not be able to run code from anywhere else.
 */
async function codeModulePath(ruleFile: string, filename: string): Promise<string> {
  const refused = new RuleSyntaxError(
    'Filename',
    `${filename}: must name a file in the rule file's directory`,
  );
  if (isAbsolute(filename)) throw refused;
  const directory = dirname(await realpath(ruleFile).catch(() => resolve(ruleFile)));
  const modulePath = resolve(directory, filename);
  // A module that does not exist is left to the import, which says so.
  const realModule = await realpath(modulePath).catch(() => modulePath);
  if (!isBelow(directory, modulePath) || !isBelow(directory, realModule)) throw refused;
  return realModule;
}

function isBelow(directory: string, path: string): boolean {
  const inside = relative(directory, path);
  return inside !== '' && inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside);
}

function metadataOf(file: string, rule: RuleFile, kind: RuleMetadata['kind']): RuleMetadata {
  return {
    id: rule.RuleID,
    displayName: rule.DisplayName ?? '',
    enabled: rule.Enabled,
    logTypes: rule.LogTypes,
    severity: rule.Severity,
    dedupPeriodMinutes: rule.DedupPeriodMinutes,
    threshold: rule.Threshold,
    tags: rule.Tags,
    reports: rule.Reports,
    description: rule.Description,
    runbook: rule.Runbook,
    reference: rule.Reference,
    summaryAttributes: rule.SummaryAttributes,
    tests: rule.Tests.map((test) => ({
      name: test.Name,
      expectedResult: test.ExpectedResult,
      log: test.Log,
      mocks: test.Mocks ?? [],
      ...(test.LogType === undefined ? {} : { logType: test.LogType }),
    })),
    file,
    kind,
    createAlert: rule.CreateAlert ?? true,
  };
}

/** Compiles one parsed rule file. Throws RuleSyntaxError or Error with a `Key: message` text. */
export async function compileRuleFile(
  file: string,
  rule: RuleFile,
  siteSettings: Readonly<Record<string, unknown>> = {},
  willRun?: WillRun,
): Promise<CompiledRule> {
  const settings = Object.freeze({ ...rule.Settings, ...siteSettings });
  const ctx = { setting: (name: string) => settings[name] };
  if (rule.Detection !== undefined) {
    const logic = compileSimpleRule(rule, ctx);
    return { ...metadataOf(file, rule, 'simple'), ...logic };
  }
  const modulePath = await codeModulePath(file, rule.Filename!);
  if (willRun && !willRun(rule.RuleID, rule.Enabled)) {
    // Listed, never evaluated: the engine skips disabled rules.
    return {
      ...metadataOf(file, rule, 'code'),
      enabled: false,
      guard: undefined,
      rest: () => false,
      helpers: {},
    };
  }
  let code;
  try {
    code = await loadCodeRule(modulePath, { settings });
  } catch (err) {
    throw new RuleSyntaxError('Filename', `${rule.Filename}: ${(err as Error).message}`);
  }
  const { guard, rest } = compileFiltersAndBody(rule, code.body, ctx);
  return { ...metadataOf(file, rule, 'code'), guard, rest, helpers: code.helpers };
}

/**
 * Rule files are a few kilobytes, even with their tests; parsed YAML takes about 50 times its size
 * in memory, so a stray multi-megabyte file could exhaust a small container at start-up.
 */
export const MAX_RULE_FILE_BYTES = 1024 * 1024;

interface LoadedFile {
  rule?: CompiledRule;
  problems: string[];
  /** Why a rule file was skipped by design. */
  skipped?: { kind: RuleNotice['kind']; message: string };
  /** Things worth saying about a rule that loaded. */
  notes?: Array<{ kind: RuleNotice['kind']; message: string }>;
}

/** Reads, validates and compiles one YAML file; no rule and no problems for files that are not rules. */
async function loadFile(
  file: string,
  settings: Readonly<Record<string, unknown>>,
  willRun: WillRun,
): Promise<LoadedFile> {
  let document: unknown;
  try {
    const { size } = await stat(file);
    if (size > MAX_RULE_FILE_BYTES) {
      return {
        problems: [
          `(file): ${size} bytes; a rule file may hold at most ${MAX_RULE_FILE_BYTES} (1 MiB): move large test logs out or split the rule`,
        ],
      };
    }
    document = parseRuleYaml(await readFile(file, 'utf8'));
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? `line ${err.linePos[0].line}` : '(file)';
    return { problems: [`${where}: ${yamlErrorSummary((err as Error).message)}`] };
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    return { problems: ['(top level): must be a mapping with AnalysisType: rule'] };
  }
  const analysisType = (document as Record<string, unknown>).AnalysisType;
  if (analysisType !== undefined && analysisType !== 'rule') return { problems: [] };
  if (analysisType === undefined && !('RuleID' in document)) return { problems: [] };
  if ('BaseDetection' in document) {
    return {
      problems: [],
      skipped: { kind: 'derived', message: 'derived detections (BaseDetection) are not supported; skipped' },
    };
  }
  // Before validation: a Python rule is skipped whatever else its file holds — unless it is a
  // simple detection that still names its old Python file, which Panther runs by its Detection
  // (panther_analysis_tool treats any file with `Detection` as one and ignores `Filename`).
  const filename = (document as Record<string, unknown>).Filename;
  const notes: NonNullable<LoadedFile['notes']> = [];
  if (typeof filename === 'string' && /\.py$/i.test(filename) && 'Detection' in document) {
    document = Object.fromEntries(Object.entries(document).filter(([key]) => key !== 'Filename'));
    notes.push({
      kind: 'python-filename-ignored',
      message: `Filename ${filename} ignored: the rule runs by its Detection, as in Panther`,
    });
  } else if (typeof filename === 'string' && /\.py$/i.test(filename)) {
    return {
      problems: [],
      skipped: {
        kind: 'python',
        message:
          'Python rules are not supported; skipped (port it to TypeScript or JavaScript: docs/rules.md)',
      },
    };
  }
  const parsed = ruleFileSchema.safeParse(document);
  if (!parsed.success) return { problems: describeIssues(parsed.error), notes };
  try {
    const rule = await compileRuleFile(file, parsed.data, settings, willRun);
    // Only for rules of the one log type whose fields we know; others may read anything.
    if (rule.logTypes.length > 0 && rule.logTypes.every((type) => type === S3_ACCESS_LOG_TYPE)) {
      for (const key of unknownFieldKeys(parsed.data, (name) => fieldCode(name) !== undefined)) {
        notes.push({
          kind: 'unknown-field',
          message: `"${rule.id}" reads ${JSON.stringify(key)}, which is no field of ${S3_ACCESS_LOG_TYPE}: it never has a value on a live line (docs/record.md)`,
        });
      }
    }
    return { rule, problems: [], notes };
  } catch (err) {
    if (err instanceof RuleSyntaxError) return { problems: [err.message] };
    return { problems: [`(rule): ${(err as Error).message}`] };
  }
}

export async function loadRules(options: LoadRulesOptions = {}): Promise<LoadedRules> {
  const builtinRoot = options.builtin === false ? [] : [builtinRulesDir()];
  const roots = [...builtinRoot, ...(options.paths ?? [])];
  const settings = options.settings ?? {};
  const rules: CompiledRule[] = [];
  const problems: RuleProblem[] = [];
  const notices: RuleNotice[] = [];
  /** RuleID → the rule loaded with it, and whether it came from the built-in pack. */
  const seen = new Map<string, { rule: CompiledRule; builtin: boolean }>();
  /** Real paths of the files read: a directory given twice (config and `--rules`) is read once. */
  const read = new Set<string>();
  for (const root of roots) {
    const fromBuiltin = root === builtinRoot[0];
    const rootSettings = fromBuiltin && options.builtinSeesSiteSettings === false ? {} : settings;
    let files: string[];
    try {
      files = await listYamlFiles(root);
    } catch (err) {
      problems.push({
        file: root,
        message: `cannot read rules: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        unreadable: true,
      });
      continue;
    }
    for (const file of files) {
      const real = await realpath(file).catch(() => file);
      if (read.has(real)) continue;
      read.add(real);
      const loaded = await loadFile(file, rootSettings, options.willRun);
      for (const message of loaded.problems) problems.push({ file, message });
      if (loaded.skipped !== undefined) notices.push({ file, ...loaded.skipped, skipped: true });
      for (const note of loaded.notes ?? []) notices.push({ file, ...note, skipped: false });
      const rule = loaded.rule;
      if (!rule) continue;
      const earlier = seen.get(rule.id);
      if (earlier?.builtin && !fromBuiltin) {
        rules[rules.indexOf(earlier.rule)] = rule;
        seen.set(rule.id, { rule, builtin: false });
        notices.push({
          file,
          message: `replaces the built-in rule "${rule.id}"`,
          skipped: false,
          kind: 'replaces-builtin',
        });
      } else if (earlier !== undefined) {
        problems.push({ file, message: `RuleID: "${rule.id}" is already defined in ${earlier.rule.file}` });
      } else {
        seen.set(rule.id, { rule, builtin: fromBuiltin });
        rules.push(rule);
      }
    }
  }
  return { rules, problems, notices };
}

/**
 * A rule file's YAML as plain data. Tags and report entries keep the text they were written as:
 * YAML reads `CIS: [3.10]` as the number 3.1, and CIS control 3.10 is not 3.1.
 */
function parseRuleYaml(text: string): unknown {
  const doc = parseDocument(text);
  const [error] = doc.errors;
  if (error) throw error;
  keepWrittenNumbers(doc.get('Tags', true));
  const reports = doc.get('Reports', true);
  if (isMap(reports)) for (const pair of reports.items) keepWrittenNumbers(pair.value as Node | null);
  return doc.toJS();
}

function keepWrittenNumbers(list: unknown): void {
  if (!isSeq(list)) return;
  for (const item of list.items) {
    if (isScalar(item) && typeof item.value === 'number' && item.source) item.value = item.source;
  }
}
