/**
 * Exceptions thrown by rules and their helpers. Each is counted (`s3_sentinel_rule_errors_total`)
 * and logged once per rule, function and message, so a rule that throws on every line cannot flood
 * the log. A throwing `rule` means "no match" for that event; a throwing helper falls back to the
 * rule's static value.
 */
import type { Logger } from '../observe/logger.js';
import type { Metrics } from '../observe/metrics.js';

const MAX_REMEMBERED = 1000;

export type RuleFunction =
  | 'rule'
  | 'title'
  | 'dedup'
  | 'severity'
  | 'alertContext'
  | 'description'
  | 'runbook'
  | 'reference'
  | 'destinations';

export class RuleErrorLog {
  private readonly logged = new Set<string>();

  constructor(
    private readonly metrics?: Pick<Metrics, 'ruleErrors'>,
    private readonly logger?: Logger,
  ) {}

  report(ruleId: string, fn: RuleFunction, error: unknown): void {
    this.metrics?.ruleErrors.inc({ rule: ruleId });
    const message = describeThrown(error);
    const key = `${ruleId}\u0000${fn}\u0000${message}`;
    if (this.logged.has(key)) return;
    if (this.logged.size >= MAX_REMEMBERED) this.logged.clear();
    this.logged.add(key);
    this.logger?.warn(
      { rule: ruleId, function: fn, err: message },
      fn === 'rule'
        ? 'RuleEvaluationError: rule threw; event treated as no match'
        : `RuleHelperError: ${fn} threw; using its default`,
    );
  }
}

/** What a rule threw, as text, whatever it threw: `String()` itself throws for some values. */
function describeThrown(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}
