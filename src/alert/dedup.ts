/**
 * Event-time dedup: turns rule matches into alerts.
 *
 * A match falls in the window `floor(eventTime / period) * period` of its rule's
 * DedupPeriodMinutes — measured on the event's own time, so a backfill, a replay and live
 * processing put every match in the same window whatever order lines arrive in. An event without a
 * time uses the processing time. The key is rule + dedup string; the store counts matches per key
 * and window, and the alert is opened once the count reaches the rule's Threshold (the first match
 * when Threshold is 1). Later matches only count (`alerts_suppressed_total`). A Threshold rule
 * also counts in windows shifted by half a period (see shiftedWindowStartOf and openShifted), and
 * tells the store which source line each match came from, so a store that can (the memory store)
 * counts a line read twice once.
 *
 * The alert id is a hash of rule, dedup string and window, so the same alert always has the same
 * id. This process remembers the (key, window) pairs it opened (bounded LRU) and opens each once.
 * The decision is `count >= threshold`, not `==`: with a shared store (DynamoDB) a count can skip
 * the threshold (an SDK retry of a counted increment) or have been reached by a process that died
 * before delivering; `>=` lets this process open the alert again, and the delivery ledger — keyed
 * by the same stable id — sends it only to sinks that lack it. A duplicate is preferred to a loss.
 */
import { LRUCache } from 'lru-cache';
import type { RuleMatch } from '../detect/match.js';
import type { RuleErrorLog } from '../detect/rule-errors.js';
import type { Metrics } from '../observe/metrics.js';
import { alertIdFor } from './alert-id.js';
import type { Alert } from './alert.js';
import { buildAlert } from './build-alert.js';
import type { DedupStore, MatchIdentity } from './dedup-store.js';
import { ownCopy } from '../logs/own-copy.js';
import { resolve } from 'node:path';

export const DEFAULT_EMITTED_IDS = 100_000;
/** How long after a window ends its counter is kept for late events (DynamoDB TTL). */
export const DEFAULT_LATE_EVENT_SLACK_MS = 24 * 60 * 60 * 1000;

export function windowStartOf(eventTimeMs: number, dedupPeriodMinutes: number): number {
  const periodMs = dedupPeriodMinutes * 60_000;
  return Math.floor(eventTimeMs / periodMs) * periodMs;
}

/**
 * The window of the second grid that Threshold rules count in: the regular grid shifted by half a
 * period. Any burst no longer than half a period lies whole in a window of one grid or the other,
 * so a boundary of the regular grid can no longer split it below the threshold.
 */
export function shiftedWindowStartOf(eventTimeMs: number, dedupPeriodMinutes: number): number {
  const periodMs = dedupPeriodMinutes * 60_000;
  const halfMs = periodMs / 2;
  return Math.floor((eventTimeMs - halfMs) / periodMs) * periodMs + halfMs;
}

/** The starts of the two regular windows a shifted window overlaps. */
function regularWindowsOf(shiftedStartMs: number, dedupPeriodMinutes: number): [number, number] {
  const halfMs = (dedupPeriodMinutes * 60_000) / 2;
  return [shiftedStartMs - halfMs, shiftedStartMs + halfMs];
}

/**
 * The store key of a rule's dedup string: `RuleID:dedup string`. A RuleID holding `:` (or `%`) is
 * percent-encoded first, so the first `:` always ends the rule's part and rule `A:B` with dedup
 * string `C` never shares a counter with rule `A` and `B:C`. Other RuleIDs (all of Panther's) keep
 * the plain form, so counters already in a shared store stay valid across upgrades.
 */
export function dedupKey(ruleId: string, dedupString: string): string {
  return `${RULE_ID_NEEDS_ENCODING.test(ruleId) ? encodeRuleId(ruleId) : ruleId}:${dedupString}`;
}

const RULE_ID_NEEDS_ENCODING = /[:%]/;

function encodeRuleId(ruleId: string): string {
  return ruleId.replaceAll('%', '%25').replaceAll(':', '%3A');
}

/**
 * The identity of a match for a Threshold rule, the same on every read of it: a hash of the text
 * that tells it apart (LogEvent.identityText: an access log line's whole text), so that a line
 * counts once however it arrives — an object read again after a redelivery, a copy of a file, the
 * same lines through stdin, S3's own occasional duplicate log record. An event without that text
 * falls back to where it came from. A rule that opens at its first match needs none (rereads are
 * kept from alerting twice by alert ids and the ledger), and neither does an event with neither (a
 * rule test).
 */
function identityOf(match: RuleMatch, store: DedupStore): MatchIdentity | undefined {
  if (store.countsMatchesOnce !== true) return undefined;
  const { threshold } = match.rule;
  if (threshold <= 1 || threshold > MAX_IDEMPOTENT_THRESHOLD) return undefined;
  const { identityText, source } = match.event;
  if (identityText !== undefined) return new LineIdentity(identityText, threshold);
  if (source === undefined) return undefined;
  const where =
    'file' in source
      ? `file\u0000${absolutePath(source.file)}`
      : `s3\u0000${source.bucket}\u0000${source.key}`;
  return { id: `${where}\u0000${source.line}`, upTo: threshold };
}

/**
 * A line's identity, hashed only when a store asks for it: a store looks only while the counter is
 * below the threshold, and most matches of a busy window come after it.
 */
class LineIdentity implements MatchIdentity {
  #id: string | undefined;
  constructor(
    private readonly text: string,
    readonly upTo: number,
  ) {}

  get id(): string {
    return (this.#id ??= `t:${this.text.length}:${hash53(this.text).toString(36)}`);
  }
}

/**
 * A 53-bit hash of a string (cyrb53: two 32-bit multiply-xorshift lanes). Not cryptographic: it
 * names lines the store remembers, where a collision would only let one line count as another (for
 * a line against 100,000 remembered, about 1 in 10^11). Several times cheaper than node:crypto.
 */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The key under which this process remembers that it opened a window's alert. */
function openedKey(ruleId: string, dedupString: string, windowStartMs: number): string {
  return `${ruleId}\u0000${dedupString}\u0000${windowStartMs}`;
}

/**
 * A file's path made absolute, so that `a.log` and `./a.log` given to one `scan` are one source.
 * Remembers the last answer: matches come in runs from one file, and resolving costs a microsecond.
 */
const absolutePath = (() => {
  let lastGiven = '';
  let lastAbsolute = '';
  return (given: string): string => {
    if (given !== lastGiven) {
      lastAbsolute = resolve(given);
      lastGiven = given;
    }
    return lastAbsolute;
  };
})();

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

/** `store.incrementSync`, when the store has one. */
type SyncIncrement = NonNullable<DedupStore['incrementSync']>;

/**
 * Thresholds up to this count rereads idempotently in stores that can (DedupStore.increment): the
 * memory store remembers up to this many match ids per counter. Higher thresholds count every read.
 */
export const MAX_IDEMPOTENT_THRESHOLD = 1000;

export class Deduplicator {
  private readonly emitted: LRUCache<string, true>;
  /** The last decision under way per key and window (promise path): the next one waits for it. */
  private readonly deciding = new Map<string, Promise<Alert | null>>();
  private readonly now: () => number;
  private readonly slackMs: number;
  private readonly incrementSync: SyncIncrement | undefined;
  private readonly countSync: ((key: string, windowStartMs: number) => number) | undefined;

  constructor(private readonly options: DeduplicatorOptions) {
    this.emitted = new LRUCache({ max: options.emittedIds ?? DEFAULT_EMITTED_IDS });
    this.now = options.now ?? Date.now;
    this.slackMs = options.lateEventSlackMs ?? DEFAULT_LATE_EVENT_SLACK_MS;
    const { store } = options;
    // The synchronous path is only sound when `offer` is ours: a subclass that overrides `offer`
    // must see every match, so it keeps the promise path.
    this.incrementSync =
      store.incrementSync && this.offer === Deduplicator.prototype.offer
        ? store.incrementSync.bind(store)
        : undefined;
    this.countSync = store.countSync?.bind(store);
  }

  /**
   * Counts one match; returns the alert when this match opens one, else null.
   *
   * With a shared store every count is a write to one item, and a burst of thousands of matches on
   * one key (one object can hold them) would hammer one partition until DynamoDB throttles it and
   * fails the whole object, hiding the lines after the burst. So matches of one key and window are
   * decided one after another, and once this process has opened that window's alert the rest write
   * nothing: they cannot change a decision (the count has reached the threshold for every replica,
   * and no shifted window overlapping it may alert).
   *
   * The shifted window is counted only after the regular one: every match in a shifted window's
   * count is then already in its regular window's count, so the regular counts read before a
   * shifted window opens cannot miss a match that another replica counted in both — which would let
   * both grids alert on one burst.
   */
  offer(match: RuleMatch): Promise<Alert | null> {
    const windowStartMs = this.windowOf(match);
    const opened = openedKey(match.rule.id, match.dedupString, windowStartMs);
    const earlier = this.deciding.get(opened);
    const decide = () => this.decide(match, windowStartMs, opened);
    const decision = earlier ? earlier.then(decide, decide) : decide();
    this.deciding.set(opened, decision);
    const forget = () => {
      if (this.deciding.get(opened) === decision) this.deciding.delete(opened);
    };
    decision.then(forget, forget);
    return decision;
  }

  private async decide(match: RuleMatch, windowStartMs: number, opened: string): Promise<Alert | null> {
    const { rule, dedupString } = match;
    const { store } = this.options;
    if (this.emitted.has(opened)) return this.countSuppressed(match, null);
    const key = dedupKey(rule.id, dedupString);
    const identity = identityOf(match, store);
    const count = await store.increment(key, windowStartMs, this.expiresAt(rule, windowStartMs), identity);
    let alert = this.open(match, windowStartMs, count, opened);
    // As in offerNow: once the regular window has reached the threshold, no shifted window can alert.
    if (rule.threshold > 1 && count < rule.threshold) {
      const shiftedStartMs = shiftedWindowStartOf(this.timeOf(match), rule.dedupPeriodMinutes);
      const expiresAtMs = this.expiresAt(rule, shiftedStartMs);
      const shiftedCount = await store.increment(key, shiftedStartMs, expiresAtMs, identity);
      if (alert === null && shiftedCount >= rule.threshold) {
        const [before, after] = regularWindowsOf(shiftedStartMs, rule.dedupPeriodMinutes);
        const counts = await Promise.all([store.count?.(key, before) ?? 0, store.count?.(key, after) ?? 0]);
        alert = this.openShifted(match, shiftedStartMs, counts[0], counts[1]);
      }
    }
    return this.countSuppressed(match, alert);
  }

  /**
   * The same decision as `offer`, made at once when the store can count synchronously (the memory
   * store): no promise, no microtask, and a suppressed repeat costs one map lookup. Otherwise (a
   * shared store such as DynamoDB, or a subclass that overrides `offer`) the promise of `offer`.
   * Callers on the hot path use this; `offer` keeps the async contract.
   */
  offerNow(match: RuleMatch): Alert | null | Promise<Alert | null> {
    const incrementSync = this.incrementSync;
    if (incrementSync === undefined) return this.offer(match);
    const { rule, dedupString } = match;
    const windowStartMs = this.windowOf(match);
    // As in `decide`: once this window's alert is open, a match changes no decision. Looked up first
    // only for a rule that opens at its first match, where it saves the count; below a Threshold
    // the lookup would only add work, and `open` looks once the count has reached it.
    let opened: string | undefined;
    if (rule.threshold <= 1) {
      opened = openedKey(rule.id, dedupString, windowStartMs);
      if (this.emitted.has(opened)) return this.countSuppressed(match, null);
    }
    const key = dedupKey(rule.id, dedupString);
    const identity = identityOf(match, this.options.store);
    const count = incrementSync(key, windowStartMs, this.expiresAt(rule, windowStartMs), identity);
    let alert = this.open(match, windowStartMs, count, opened);
    // Every shifted window holding this match overlaps its regular window: once that has reached
    // the threshold, no shifted window of the match can alert, and its count is not needed.
    if (rule.threshold > 1 && count < rule.threshold) {
      const shiftedStartMs = shiftedWindowStartOf(this.timeOf(match), rule.dedupPeriodMinutes);
      const expiresAtMs = this.expiresAt(rule, shiftedStartMs);
      const shiftedCount = incrementSync(key, shiftedStartMs, expiresAtMs, identity);
      if (alert === null && shiftedCount >= rule.threshold) {
        const countSync = this.countSync ?? (() => 0);
        const [before, after] = regularWindowsOf(shiftedStartMs, rule.dedupPeriodMinutes);
        alert = this.openShifted(match, shiftedStartMs, countSync(key, before), countSync(key, after));
      }
    }
    return this.countSuppressed(match, alert);
  }

  private timeOf(match: RuleMatch): number {
    return match.event.eventTimeMs ?? this.now();
  }

  private windowOf(match: RuleMatch): number {
    return windowStartOf(this.timeOf(match), match.rule.dedupPeriodMinutes);
  }

  /**
   * When a counter may be forgotten: the window's end plus slack for late events, and never sooner
   * than that slack from now. Logs read long after they were written (a backlog, a backfill) would
   * otherwise write counters already expired, which a shared store may drop before the threshold.
   */
  private expiresAt(rule: RuleMatch['rule'], windowStartMs: number): number {
    const windowEnd = windowStartMs + rule.dedupPeriodMinutes * 60_000;
    return Math.max(windowEnd, this.now()) + this.slackMs;
  }

  /** Given the count of its window after this match, the alert the match opens there, or null. */
  private open(match: RuleMatch, windowStartMs: number, count: number, opened?: string): Alert | null {
    if (count < match.rule.threshold) return null;
    return this.openOnce(
      match,
      windowStartMs,
      opened ?? openedKey(match.rule.id, match.dedupString, windowStartMs),
    );
  }

  /**
   * A half-shifted window reached its threshold. It opens an alert only when neither regular
   * window it overlaps has reached the threshold: those open (or will open) their own alert, and a
   * burst they hold must not alert twice. A burst that only the shifted window holds whole — one
   * split by a regular window's boundary — alerts here.
   */
  private openShifted(match: RuleMatch, shiftedStartMs: number, before: number, after: number): Alert | null {
    const { threshold } = match.rule;
    if (before >= threshold || after >= threshold) return null;
    return this.openOnce(match, shiftedStartMs, openedKey(match.rule.id, match.dedupString, shiftedStartMs));
  }

  /** The alert of a window that reached its threshold, unless this process opened it already. */
  private openOnce(match: RuleMatch, windowStartMs: number, opened: string): Alert | null {
    const { rule, dedupString } = match;
    // Keyed by string (`openedKey`), not alert id: a repeat costs one lookup, and the id is hashed
    // only when an alert is actually opened.
    if (this.emitted.has(opened)) return null;
    this.emitted.set(ownCopy(opened), true); // kept: must not hold on to its log line
    const alertId = alertIdFor(rule.id, dedupString, windowStartMs);
    const alert = buildAlert(match, { alertId, windowStartMs }, this.options.errors);
    this.options.metrics?.alertsEmitted.inc({ rule: rule.id, severity: alert.severity });
    return alert;
  }

  /** Counts a match that opened nothing as suppressed; returns the decision. */
  private countSuppressed(match: RuleMatch, alert: Alert | null): Alert | null {
    if (alert === null) this.options.metrics?.alertsSuppressed.inc({ rule: match.rule.id });
    return alert;
  }
}
