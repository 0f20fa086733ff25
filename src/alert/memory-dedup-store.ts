import { LRUCache } from 'lru-cache';
import type { DedupStore } from './dedup-store.js';

export const DEFAULT_DEDUP_MAX_ENTRIES = 100_000;

/**
 * Match counters of one process, in an LRU bounded by `maxEntries` (config `dedup.maxEntries`).
 * Counters are not expired by `expiresAtMs`: windows are event time, not wall clock, so the LRU
 * bound is what keeps memory flat. An evicted counter restarts at 1; the deduplicator's record of
 * emitted alert ids keeps that from re-sending an alert.
 */
export class MemoryDedupStore implements DedupStore {
  private readonly counters: LRUCache<string, number>;

  constructor(options: { maxEntries?: number } = {}) {
    this.counters = new LRUCache({ max: options.maxEntries ?? DEFAULT_DEDUP_MAX_ENTRIES });
  }

  increment(key: string, windowStartMs: number, _expiresAtMs: number): Promise<number> {
    const slot = `${windowStartMs}\u0000${key}`;
    const count = (this.counters.get(slot) ?? 0) + 1;
    this.counters.set(slot, count);
    return Promise.resolve(count);
  }

  get size(): number {
    return this.counters.size;
  }

  close(): Promise<void> {
    this.counters.clear();
    return Promise.resolve();
  }
}
