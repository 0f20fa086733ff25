/** Which log line a match came from, for idempotent counting (see `DedupStore.increment`). */
export interface MatchIdentity {
  /** The same for every read of the same line: a hash of its request (else its source and line number). */
  id: string;
  /** How many distinct matches to remember per counter: the rule's Threshold. */
  upTo: number;
}

/**
 * Counts rule matches per (rule, dedup string, event-time window).
 *
 * Windows are aligned on the epoch (`floor(eventTime / period) * period`), so the window a match
 * falls in depends only on the event itself: a backfill, a replay and live processing agree
 * whatever order lines arrive in. The memory store (lru-cache) serves one process; the DynamoDB
 * store shares counts between replicas.
 */
export interface DedupStore {
  /**
   * Adds one match to the counter of `key` in the window starting at `windowStartMs` and returns
   * the count after adding. `expiresAtMs` is when the counter may be forgotten (window end plus
   * slack for late events).
   *
   * A store may use `match` to count idempotently below `match.upTo` (the rule's Threshold): a
   * match whose `id` was counted already (its log object read again after a redelivery) is then not
   * counted twice, so the Threshold is not reached early. The memory store does (for up to
   * `dedup.maxEntries` ids); the DynamoDB store does for thresholds up to 100 (MAX_TRACKED_THRESHOLD).
   */
  increment(key: string, windowStartMs: number, expiresAtMs: number, match?: MatchIdentity): Promise<number>;
  /**
   * Optional: the same as `increment`, answered at once. A store that holds its counters in this
   * process implements it, and the deduplicator then decides without a promise per match (a match
   * can come from one line in ten). Must share its counters with `increment`.
   */
  incrementSync?(key: string, windowStartMs: number, expiresAtMs: number, match?: MatchIdentity): number;
  /** True when the store uses `match` (see `increment`); the deduplicator builds none otherwise. */
  readonly countsMatchesOnce?: boolean;
  /**
   * Optional: the count of `key` in a window, without counting (0 when there is none). The
   * deduplicator asks it only when a half-shifted threshold window is reached (see dedup.ts); a
   * store without it makes that window alert even where a regular window already did.
   */
  count?(key: string, windowStartMs: number): Promise<number>;
  /** `count`, answered at once; a store that has `incrementSync` should have it too. */
  countSync?(key: string, windowStartMs: number): number;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
