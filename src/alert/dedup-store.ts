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
   */
  increment(key: string, windowStartMs: number, expiresAtMs: number): Promise<number>;
  /**
   * Optional: the same as `increment`, answered at once. A store that holds its counters in this
   * process implements it, and the deduplicator then decides without a promise per match (a match
   * can come from one line in ten). Must share its counters with `increment`.
   */
  incrementSync?(key: string, windowStartMs: number, expiresAtMs: number): number;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
