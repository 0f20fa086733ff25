/**
 * Runs rules' `Tests` the way `panther_analysis_tool test` does: each test's `Log` becomes an event,
 * the rule runs on it, and the result must equal `ExpectedResult`. For a match, the helpers (title,
 * dedup, alert context…) run too, and one that throws fails the test — in production it would
 * silently fall back to a default, which is exactly what a test should catch.
 */
import { buildAlert } from '../alert/build-alert.js';
import { ObjectEvent } from './object-event.js';
import { toRuleMatch } from './match.js';
import { ruleMatches, type CompiledRule } from './rule.js';
import { RuleErrorLog, type RuleFunction } from './rule-errors.js';

export interface TestCaseResult {
  name: string;
  passed: boolean;
  expected: boolean;
  actual: boolean | undefined;
  /** Why it failed beyond a wrong result: the rule or a helper threw. */
  error?: string;
}

export interface RuleTestReport {
  rule: CompiledRule;
  cases: TestCaseResult[];
  /** Rule-level failures, e.g. too few tests for `--minimum-tests`. */
  problems: string[];
}

/** Collects helper errors instead of logging them. */
class CollectingErrors extends RuleErrorLog {
  readonly seen: string[] = [];
  override report(_ruleId: string, fn: RuleFunction, error: unknown): void {
    this.seen.push(`${fn}() raised: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function runRuleTests(rule: CompiledRule, options: { minimumTests?: number } = {}): RuleTestReport {
  const cases = rule.tests.map((test): TestCaseResult => {
    const logType =
      typeof test.log.p_log_type === 'string' ? test.log.p_log_type : (test.logType ?? rule.logTypes[0]!);
    const event = new ObjectEvent(test.log, { logType });
    let actual: boolean;
    try {
      actual = ruleMatches(rule, event);
    } catch (err) {
      return {
        name: test.name,
        passed: false,
        expected: test.expectedResult,
        actual: undefined,
        error: `rule() raised: ${(err as Error).message}`,
      };
    }
    const errors = new CollectingErrors();
    if (actual) buildAlert(toRuleMatch(rule, event, errors), { alertId: 'test', windowStartMs: 0 }, errors);
    const error = errors.seen[0];
    return {
      name: test.name,
      passed: actual === test.expectedResult && !error,
      expected: test.expectedResult,
      actual,
      ...(error ? { error } : {}),
    };
  });
  const problems: string[] = [];
  const minimum = options.minimumTests ?? 0;
  // As panther_analysis_tool: too few tests is the one problem reported; with enough, N ≥ 2 also
  // needs both outcomes covered.
  if (rule.tests.length < minimum) problems.push(`has ${rule.tests.length} tests, needs at least ${minimum}`);
  else if (minimum >= 2) {
    if (!rule.tests.some((test) => test.expectedResult))
      problems.push('needs a test with ExpectedResult: true');
    if (!rule.tests.some((test) => !test.expectedResult))
      problems.push('needs a test with ExpectedResult: false');
  }
  return { rule, cases, problems };
}

/** `--filter KEY=VALUE[,VALUE…]`: rule attributes by their YAML names, compared case-insensitively. */
export interface RuleFilter {
  key: string;
  values: string[];
}

export function parseRuleFilter(text: string): RuleFilter {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`--filter expects KEY=VALUE, got "${text}"`);
  return {
    key: text.slice(0, eq).trim(),
    values: text
      .slice(eq + 1)
      .split(',')
      .map((value) => value.trim()),
  };
}

const FILTER_ATTRIBUTES: Record<string, (rule: CompiledRule) => unknown> = {
  ruleid: (rule) => rule.id,
  displayname: (rule) => rule.displayName,
  enabled: (rule) => rule.enabled,
  logtypes: (rule) => rule.logTypes,
  severity: (rule) => rule.severity,
  tags: (rule) => rule.tags,
  dedupperiodminutes: (rule) => rule.dedupPeriodMinutes,
  threshold: (rule) => rule.threshold,
  analysistype: () => 'rule',
};

export function filterKeyIsKnown(key: string): boolean {
  return key.toLowerCase() in FILTER_ATTRIBUTES;
}

export function ruleMatchesFilters(rule: CompiledRule, filters: readonly RuleFilter[]): boolean {
  return filters.every(({ key, values }) => {
    const attribute = FILTER_ATTRIBUTES[key.toLowerCase()];
    if (!attribute) return false;
    const raw = attribute(rule);
    const have = (Array.isArray(raw) ? raw : [raw]).map((value) => String(value).toLowerCase());
    return values.some((value) => have.includes(value.toLowerCase()));
  });
}
