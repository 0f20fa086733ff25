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
  readonly countsMatchesOnce = true;
  // A mutable box per counter: a repeat is one `get` (which also refreshes its LRU position)
  // and an increment, rather than a `get` and a `set`. `ids`: the matches counted so far towards a
  // threshold not yet reached (see DedupStore.increment), dropped once it is reached.
  private readonly counters: LRUCache<string, Counter>;
  /** Match ids held in all counters; bounded so that many counters below a threshold stay small. */
  private trackedIds = 0;
  private readonly maxTrackedIds: number;

  constructor(options: { maxEntries?: number } = {}) {
    const max = options.maxEntries ?? DEFAULT_DEDUP_MAX_ENTRIES;
    this.maxTrackedIds = max;
    this.counters = new LRUCache<string, Counter>({
      max,
      dispose: (counter) => this.forgetIds(counter),
    });
  }

  incrementSync(key: string, windowStartMs: number, _expiresAtMs?: number, match?: MatchIdentity): number {
    const slot = `${windowStartMs}\u0000${key}`;
    let counter = this.counters.get(slot);
    if (counter === undefined) {
      counter = { count: 0 };
      this.counters.set(ownCopy(slot), counter); // kept: must not hold on to its log line
    }
    if (match !== undefined && counter.count < match.upTo) {
      if (counter.ids?.has(match.id)) return counter.count;
      // Past the budget a match counts without being remembered: what every read did before.
      if (this.trackedIds < this.maxTrackedIds) {
        (counter.ids ??= new Set()).add(match.id); // a short hash or source name, never a piece of a line
        this.trackedIds++;
      }
      if (++counter.count >= match.upTo) this.forgetIds(counter); // reached: no longer needed
      return counter.count;
    }
    return ++counter.count;
  }

  increment(key: string, windowStartMs: number, expiresAtMs: number, match?: MatchIdentity): Promise<number> {
    return Promise.resolve(this.incrementSync(key, windowStartMs, expiresAtMs, match));
  }

  countSync(key: string, windowStartMs: number): number {
    return this.counters.peek(`${windowStartMs}\u0000${key}`)?.count ?? 0;
  }

  count(key: string, windowStartMs: number): Promise<number> {
    return Promise.resolve(this.countSync(key, windowStartMs));
  }

  get size(): number {
    return this.counters.size;
  }

  close(): Promise<void> {
    this.counters.clear();
    return Promise.resolve();
  }

  private forgetIds(counter: Counter): void {
    if (counter.ids === undefined) return;
    this.trackedIds -= counter.ids.size;
    counter.ids = undefined;
  }
}

interface Counter {
  count: number;
  ids?: Set<string>;
}
