import type { Severity } from '../alert/alert.js';
import type { LogEvent } from '../logs/event.js';
import type { Guard } from './simple/compile.js';

/** One entry of a rule's `Tests`, as written in the YAML. */
export interface RuleTest {
  name: string;
  expectedResult: boolean;
  log: Record<string, unknown>;
  /** Accepted for compatibility with Panther test files; see docs/rules.md. */
  mocks: unknown[];
  /** The test's `LogType`, when it names one. */
  logType?: string;
}

/** Everything a rule file declares, normalised (defaults applied, severity upper-cased). */
export interface RuleMetadata {
  id: string;
  displayName: string;
  enabled: boolean;
  logTypes: string[];
  severity: Severity;
  dedupPeriodMinutes: number;
  threshold: number;
  tags: string[];
  reports: Record<string, string[]>;
  description: string;
  runbook: string;
  reference: string;
  summaryAttributes: string[];
  tests: RuleTest[];
  /** The YAML file the rule came from. */
  file: string;
  kind: 'simple' | 'code';
  /**
   * Panther's `CreateAlert`. False makes the rule a signal: in Panther it only labels events in the
   * data lake, which s3-sentinel does not keep, so such a rule is loaded and tested but not run.
   */
  createAlert: boolean;
}

/**
 * The optional per-event helpers of a rule (Panther's `title`, `dedup`, `severity`, …). Each may
 * throw; callers fall back to the rule's static value (see match.ts and alert/build-alert.ts).
 */
/** Runs on logs and raises alerts: enabled, and not a signal (`CreateAlert: false`). */
export function isRunnable(rule: Pick<RuleMetadata, 'enabled' | 'createAlert'>): boolean {
  return rule.enabled && rule.createAlert;
}

/** What `run`, `scan` and `check-config` say when a config leaves no rule to run. */
export const NO_RUNNABLE_RULES =
  'no enabled rules to run: check rules.builtin, rules.paths, rules.enabled and rules.disabled';

export interface RuleHelpers {
  title?(event: LogEvent): unknown;
  dedup?(event: LogEvent): unknown;
  severity?(event: LogEvent): unknown;
  alertContext?(event: LogEvent): unknown;
  description?(event: LogEvent): unknown;
  runbook?(event: LogEvent): unknown;
  reference?(event: LogEvent): unknown;
  destinations?(event: LogEvent): unknown;
}

/** A rule ready to run: metadata, a predicate compiled once, and its helpers. */
export interface CompiledRule extends RuleMetadata {
  /**
   * A cheap test of one top-level field that must hold for the rule to match. The engine runs it
   * first (and memoises it per value); `rest` is then the remainder of the rule.
   */
  guard: Guard | undefined;
  /** The rule without its guard. May throw: that is a rule error. */
  rest(event: LogEvent): boolean;
  helpers: RuleHelpers;
}

/** Runs a compiled rule's whole predicate (guard and rest), as rule tests do. */
export function ruleMatches(rule: CompiledRule, event: LogEvent): boolean {
  if (rule.guard && !rule.guard.test(event.get(rule.guard.field))) return false;
  return rule.rest(event);
}
