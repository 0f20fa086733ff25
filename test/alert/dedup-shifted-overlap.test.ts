import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/alert.js';
import { Deduplicator } from '../../src/alert/dedup.js';
import { MemoryDedupStore } from '../../src/alert/memory-dedup-store.js';
import { describeMatch } from '../../src/detect/match.js';
import { ObjectEvent } from '../../src/detect/object-event.js';
import { testRule } from '../helpers/rules.js';

// A burst that already alerted in its regular window must not alert a second time when it runs
// on past the window's end and fills the half-shifted window that overlaps it.

const HOUR = 3_600_000;
const MINUTE = 60_000;
const r = testRule({ threshold: 4, dedupPeriodMinutes: 60 });
const at10 = (minutes: number) =>
  new ObjectEvent(
    { bucket: 'b', time: new Date(10 * HOUR + minutes * MINUTE).toISOString() },
    { logType: 'T' },
  );

/** A store without incrementSync, so the promise path decides. */
const asyncOnly = (inner: MemoryDedupStore) => ({
  increment: inner.increment.bind(inner),
  count: inner.count.bind(inner),
  close: inner.close.bind(inner),
});

const runs = {
  sync: async (minutes: number[]) => {
    const dedup = new Deduplicator({ store: new MemoryDedupStore() });
    return minutes.map((m) => dedup.offerNow(describeMatch(r, at10(m))) as Alert | null);
  },
  async: async (minutes: number[]) => {
    const dedup = new Deduplicator({ store: asyncOnly(new MemoryDedupStore()) });
    const alerts: Array<Alert | null> = [];
    for (const m of minutes) alerts.push(await dedup.offer(describeMatch(r, at10(m))));
    return alerts;
  },
};

describe.each(Object.entries(runs))('half-shifted windows (%s)', (_path, run) => {
  // 10:40–10:55 reach 4 in the 10:00 window; 11:05 makes 4 in the 10:30 window too.
  it('opens one alert for a burst that reached the threshold, then ran past its window', async () => {
    const alerts = (await run([40, 45, 50, 55, 65])).filter((a) => a !== null);
    expect(alerts.map((a) => a.windowStart)).toEqual([new Date(10 * HOUR).toISOString()]);
  });
});
