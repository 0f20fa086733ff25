import { LRUCache } from 'lru-cache';
import type { DedupStore } from './dedup-store.js';
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

  constructor(options: { maxEntries?: number } = {}) {
    this.counters = new LRUCache({ max: options.maxEntries ?? DEFAULT_DEDUP_MAX_ENTRIES });
  }

  incrementSync(key: string, windowStartMs: number, _expiresAtMs?: number): number {
    const slot = `${windowStartMs}\u0000${key}`;
    const counter = this.counters.get(slot);
    if (counter !== undefined) return ++counter.count;
    this.counters.set(ownCopy(slot), { count: 1 }); // kept: must not hold on to its log line
    return 1;
  }

  increment(key: string, windowStartMs: number, expiresAtMs: number): Promise<number> {
    return Promise.resolve(this.incrementSync(key, windowStartMs, expiresAtMs));
  }

  get size(): number {
    return this.counters.size;
  }

  close(): Promise<void> {
    this.counters.clear();
    return Promise.resolve();
  }
}
