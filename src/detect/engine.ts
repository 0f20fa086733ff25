/**
 * The rule engine: given a LogEvent, which enabled rules match it.
 *
 * Built for the common case of a line no rule cares about. Rules are indexed by log type, so a rule
 * never sees another log type. Within a log type, rules whose first condition tests one top-level
 * field (their guard, e.g. `operation` matches `REST.*.OBJECT`) are grouped by that field: the
 * engine reads the field once per event and looks the value up in a memo of "rules whose guard
 * passes for this value". An access log's `operation` takes a few dozen values, so after warm-up a
 * line that rules out every rule costs one field read and one Map lookup.
 */
import type { LogEvent } from '../logs/event.js';
import { ownCopy } from '../logs/own-copy.js';
import type { Logger } from '../observe/logger.js';
import type { Metrics } from '../observe/metrics.js';
import { toRuleMatch, type RuleMatch } from './match.js';
import { isRunnable, type CompiledRule } from './rule.js';
import { RuleErrorLog } from './rule-errors.js';

/** Distinct field values remembered per guard group; beyond this the guards simply run each time. */
const MAX_MEMO_ENTRIES = 10_000;
const NO_MATCHES: readonly RuleMatch[] = Object.freeze([]);

interface GuardGroup {
  field: string;
  rules: CompiledRule[];
  memo: Map<string, CompiledRule[]>;
}

interface LogTypePlan {
  groups: GuardGroup[];
  unguarded: CompiledRule[];
}

export interface RuleEngineOptions {
  /** Rules to run; disabled rules (and `CreateAlert: false` signals) are left out by the caller or here. */
  rules: readonly CompiledRule[];
  metrics?: Pick<Metrics, 'ruleErrors' | 'ruleMatches'>;
  logger?: Logger;
  /** Shared with the alert builder so helper errors are logged once per process. */
  errors?: RuleErrorLog;
}

export class RuleEngine {
  readonly errors: RuleErrorLog;
  private readonly plans = new Map<string, LogTypePlan>();
  private readonly metrics: RuleEngineOptions['metrics'];

  constructor(options: RuleEngineOptions) {
    this.metrics = options.metrics;
    this.errors = options.errors ?? new RuleErrorLog(options.metrics, options.logger);
    for (const rule of options.rules) {
      if (!isRunnable(rule)) continue;
      for (const logType of rule.logTypes) this.planFor(logType, rule);
    }
  }

  private planFor(logType: string, rule: CompiledRule): void {
    let plan = this.plans.get(logType);
    if (!plan) this.plans.set(logType, (plan = { groups: [], unguarded: [] }));
    if (!rule.guard) {
      plan.unguarded.push(rule);
      return;
    }
    const field = rule.guard.field.toLowerCase();
    let group = plan.groups.find((candidate) => candidate.field === field);
    if (!group) plan.groups.push((group = { field, rules: [], memo: new Map() }));
    group.rules.push(rule);
  }

  /** Rules that run for a log type, in load order (for `rules` listings and benchmarks). */
  rulesFor(logType: string): CompiledRule[] {
    const plan = this.plans.get(logType);
    if (!plan) return [];
    return [...plan.groups.flatMap((group) => group.rules), ...plan.unguarded];
  }

  /** The matches of one event. Never throws: a throwing rule is reported and counts as no match. */
  evaluate(event: LogEvent): readonly RuleMatch[] {
    const plan = this.plans.get(event.logType);
    if (!plan) return NO_MATCHES;
    let matches: RuleMatch[] | undefined;
    for (const group of plan.groups) {
      const value = event.get(group.field);
      let candidates = typeof value === 'string' ? group.memo.get(value) : undefined;
      if (!candidates) {
        candidates = group.rules.filter((rule) => rule.guard!.test(value));
        if (typeof value === 'string' && group.memo.size < MAX_MEMO_ENTRIES)
          group.memo.set(ownCopy(value), candidates); // kept: must not hold on to its log line
      }
      for (const rule of candidates)
        if (this.run(rule, event)) (matches ??= []).push(toRuleMatch(rule, event, this.errors));
    }
    for (const rule of plan.unguarded) {
      if (this.run(rule, event)) (matches ??= []).push(toRuleMatch(rule, event, this.errors));
    }
    return matches ?? NO_MATCHES;
  }

  private run(rule: CompiledRule, event: LogEvent): boolean {
    let matched: boolean;
    try {
      matched = rule.rest(event);
    } catch (err) {
      this.errors.report(rule.id, 'rule', err);
      return false;
    }
    if (matched) this.metrics?.ruleMatches.inc({ rule: rule.id });
    return matched;
  }
}
