import { LRUCache } from 'lru-cache';
import type { DedupStore, MatchIdentity } from './dedup-store.js';
import { ownCopy } from '../logs/own-copy.js';

export const DEFAULT_DEDUP_MAX_ENTRIES = 100_000;

/**
 * Match counters of one process, in an LRU bounded by `maxEntries` (config `dedup.maxEntries`).
 * Counters are not expired by `expiresAtMs`: windows are event time, not wall clock, so the LRU
 * bound is what keeps memory flat. An evicted counter restarts at 1; the deduplicator's record of
 * emitted alert ids keeps that from re-sending an alert.
 *
 * Synchronous at heart (`incrementSync`): the deduplicator uses that directly, so a match costs a
 * map lookup rather than a promise; `increment` wraps it for callers of the async contract.
 */
export class MemoryDedupStore implements DedupStore {
  // A mutable box per counter: a repeat is one `get` (which also refreshes its LRU position)
  // and an increment, rather than a `get` and a `set`.
  private readonly counters: LRUCache<string, { count: number }>;
  /**
   * Matches counted towards a threshold not yet reached (see DedupStore.increment), as
   * `counter slot + match id`. An LRU of its own, as large as the counters': a set per counter
   * would let 100,000 counters hold up to a threshold of ids each. A forgotten match only counts
   * again if its line is read again, which is the behaviour without identities.
   */
  private readonly counted: LRUCache<string, true>;

  constructor(options: { maxEntries?: number } = {}) {
    const max = options.maxEntries ?? DEFAULT_DEDUP_MAX_ENTRIES;
    this.counters = new LRUCache({ max });
    this.counted = new LRUCache({ max });
  }

  incrementSync(key: string, windowStartMs: number, _expiresAtMs?: number, match?: MatchIdentity): number {
    const slot = `${windowStartMs}\u0000${key}`;
    let counter = this.counters.get(slot);
    if (counter === undefined) {
      counter = { count: 0 };
      this.counters.set(ownCopy(slot), counter); // kept: must not hold on to its log line
    }
    if (match !== undefined && counter.count < match.upTo) {
      const seen = `${slot}\u0000${match.id}`;
      if (this.counted.has(seen)) return counter.count;
      this.counted.set(ownCopy(seen), true);
    }
    return ++counter.count;
  }

  increment(key: string, windowStartMs: number, expiresAtMs: number, match?: MatchIdentity): Promise<number> {
    return Promise.resolve(this.incrementSync(key, windowStartMs, expiresAtMs, match));
  }

  get size(): number {
    return this.counters.size;
  }

  close(): Promise<void> {
    this.counters.clear();
    this.counted.clear();
    return Promise.resolve();
  }
}
