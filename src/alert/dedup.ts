/**
 * Event-time dedup: turns rule matches into alerts.
 *
 * A match falls in the window `floor(eventTime / period) * period` of its rule's
 * DedupPeriodMinutes — measured on the event's own time, so a backfill, a replay and live
 * processing put every match in the same window whatever order lines arrive in. An event without a
 * time uses the processing time. The key is rule + dedup string; the store counts matches per key
 * and window, and the alert is emitted by the match that brings the count to the rule's Threshold
 * (the first match when Threshold is 1). Later matches only count (`alerts_suppressed_total`).
 *
 * The alert id is a hash of rule, dedup string and window, so the same alert always has the same
 * id. This process also remembers the ids it emitted (bounded LRU) and never emits one twice —
 * which covers a redelivered object after the store forgot (evicted) its counter.
 */
import { LRUCache } from 'lru-cache';
import type { RuleMatch } from '../detect/match.js';
import type { RuleErrorLog } from '../detect/rule-errors.js';
import type { Metrics } from '../observe/metrics.js';
import { alertIdFor } from './alert-id.js';
import type { Alert } from './alert.js';
import { buildAlert } from './build-alert.js';
import type { DedupStore } from './dedup-store.js';

export const DEFAULT_EMITTED_IDS = 100_000;
/** How long after a window ends its counter is kept for late events (DynamoDB TTL). */
export const DEFAULT_LATE_EVENT_SLACK_MS = 24 * 60 * 60 * 1000;

export function windowStartOf(eventTimeMs: number, dedupPeriodMinutes: number): number {
  const periodMs = dedupPeriodMinutes * 60_000;
  return Math.floor(eventTimeMs / periodMs) * periodMs;
}

/** The store key of a rule's dedup string. */
export function dedupKey(ruleId: string, dedupString: string): string {
  return `${ruleId}:${dedupString}`;
}

export interface DeduplicatorOptions {
  store: DedupStore;
  metrics?: Pick<Metrics, 'alertsEmitted' | 'alertsSuppressed'>;
  /** Shared with the rule engine, so a throwing helper is logged once per process. */
  errors?: RuleErrorLog;
  /** Processing time for events that carry none; injectable for tests. */
  now?: () => number;
  /** How many emitted alert ids to remember (default 100,000). */
  emittedIds?: number;
  lateEventSlackMs?: number;
}

export class Deduplicator {
  private readonly emitted: LRUCache<string, true>;
  private readonly now: () => number;
  private readonly slackMs: number;

  constructor(private readonly options: DeduplicatorOptions) {
    this.emitted = new LRUCache({ max: options.emittedIds ?? DEFAULT_EMITTED_IDS });
    this.now = options.now ?? Date.now;
    this.slackMs = options.lateEventSlackMs ?? DEFAULT_LATE_EVENT_SLACK_MS;
  }

  /** Counts one match; returns the alert when this match opens one, else null. */
  async offer(match: RuleMatch): Promise<Alert | null> {
    const { rule, event, dedupString } = match;
    const windowStartMs = windowStartOf(event.eventTimeMs ?? this.now(), rule.dedupPeriodMinutes);
    const windowEndMs = windowStartMs + rule.dedupPeriodMinutes * 60_000;
    const count = await this.options.store.increment(
      dedupKey(rule.id, dedupString),
      windowStartMs,
      windowEndMs + this.slackMs,
    );
    // Only the match that reaches the threshold can open the alert; the id is hashed just for it.
    const alertId = count === rule.threshold ? alertIdFor(rule.id, dedupString, windowStartMs) : undefined;
    if (alertId === undefined || this.emitted.has(alertId)) {
      this.options.metrics?.alertsSuppressed.inc({ rule: rule.id });
      return null;
    }
    this.emitted.set(alertId, true);
    const alert = buildAlert(match, { alertId, windowStartMs }, this.options.errors);
    this.options.metrics?.alertsEmitted.inc({ rule: rule.id, severity: alert.severity });
    return alert;
  }
}
