import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MemoryDedupStore } from '../../src/alert/memory-dedup-store.js';

describe('MemoryDedupStore', () => {
  it('counts per key and window, and tells lone surrogates apart', () => {
    const store = new MemoryDedupStore();
    expect(store.incrementSync('a', 0)).toBe(1);
    expect(store.incrementSync('a', 0)).toBe(2);
    expect(store.incrementSync('a', 60_000)).toBe(1);
    expect(store.incrementSync('\uD800', 0)).toBe(1);
    expect(store.incrementSync('\uDBFF', 0)).toBe(1);
    expect(store.incrementSync('\uD800', 0)).toBe(2);
  });

  // A log object read again after a redelivery must not bring a Threshold forward.
  it('counts a match with an identity once, up to the threshold, then simply counts', () => {
    const store = new MemoryDedupStore();
    const match = (line: number) => ({ id: `file\u0000a.log\u0000${line}`, upTo: 2 });
    expect(store.incrementSync('k', 0, 0, match(1))).toBe(1);
    expect(store.incrementSync('k', 0, 0, match(1))).toBe(1);
    expect(store.incrementSync('k', 0, 0, match(2))).toBe(2);
    expect(store.incrementSync('k', 0, 0, match(2))).toBe(3); // reached: no longer tracked
    expect(store.incrementSync('k', 60_000, 0, match(1))).toBe(1);
  });

  it('remembers at most as many match ids as counters, and frees them with their counter', () => {
    const store = new MemoryDedupStore({ maxEntries: 2 });
    const match = (line: number) => ({ id: `file\u0000a.log\u0000${line}`, upTo: 10 });
    expect([1, 2, 3].map((line) => store.incrementSync('k', 0, 0, match(line)))).toEqual([1, 2, 3]);
    expect(store.incrementSync('k', 0, 0, match(1))).toBe(3); // remembered
    expect(store.incrementSync('k', 0, 0, match(3))).toBe(4); // over the budget: counted again
    store.incrementSync('other', 0);
    store.incrementSync('third', 0); // evicts k, and with it its two ids
    expect(store.incrementSync('k', 0, 0, match(1))).toBe(1);
    expect(store.incrementSync('k', 0, 0, match(1))).toBe(1);
  });

  // A dedup string is cut from its log line; V8 keeps the line alive for as long as the piece is.
  it('keeps a counter key without the line it was cut from', () => {
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    const store = new MemoryDedupStore();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 200; i++) {
      const line = `${i} ${'x'.repeat(64 * 1024)}`; // a long line, its own string
      store.incrementSync(`rule\u0000${line.slice(0, 40)}`, 0);
    }
    gc();
    expect(store.size).toBe(200);
    // 200 keys of ~50 characters take a few tens of KB; keeping their lines would take ~13 MB.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(3 * 1024 * 1024);
  });
});
