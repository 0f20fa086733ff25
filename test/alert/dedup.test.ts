import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Deduplicator, dedupKey, windowStartOf } from '../../src/alert/dedup.js';
import type { DedupStore } from '../../src/alert/dedup-store.js';
import { MemoryDedupStore } from '../../src/alert/memory-dedup-store.js';
import { alertIdFor } from '../../src/alert/alert-id.js';
import type { Alert } from '../../src/alert/alert.js';
import { ObjectEvent } from '../../src/detect/object-event.js';
import { toRuleMatch } from '../../src/detect/match.js';
import type { CompiledRule } from '../../src/detect/rule.js';
import { testRule } from '../helpers/rules.js';
import { createMetrics } from '../../src/observe/metrics.js';
import type { SourceRef } from '../../src/logs/event.js';
import { isParseError, parseS3AccessLine } from '../../src/logs/s3-access/index.js';
import { accessLine } from '../cli/scan-fixtures.js';

const rule = (overrides: Partial<CompiledRule> = {}): CompiledRule => testRule(overrides);

const HOUR = 3_600_000;
const at = (ms: number, bucket = 'b') =>
  new ObjectEvent({ bucket, time: new Date(ms).toISOString() }, { logType: 'T' });

describe('event-time dedup', () => {
  it('aligns windows on the epoch', () => {
    expect(windowStartOf(Date.UTC(2024, 0, 1, 13, 59), 720)).toBe(Date.UTC(2024, 0, 1, 12));
    expect(windowStartOf(Date.UTC(2024, 0, 1, 11, 59), 720)).toBe(Date.UTC(2024, 0, 1, 0));
  });

  // Dedup strings are cut from log lines; V8 keeps a line alive as long as a piece of it is kept.
  it('remembers opened alerts and counters without the lines their dedup strings came from', () => {
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    const dedup = new Deduplicator({ store: new MemoryDedupStore() });
    const r = rule();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 200; i++) {
      const line = `${i} ${'x'.repeat(64 * 1024)}`;
      expect(dedup.offerNow(toRuleMatch(r, at(HOUR, line.slice(0, 40))))).not.toBeNull();
    }
    gc();
    // 200 short keys twice over take well under a megabyte; keeping their lines would take ~13 MB.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(3 * 1024 * 1024);
  });

  it('keeps a counter for late logs until a day after it was counted, not after their window', async () => {
    const expiries: number[] = [];
    const counters = new MemoryDedupStore();
    const recording = {
      increment: (key: string, windowStartMs: number, expiresAtMs: number) => {
        expiries.push(expiresAtMs);
        return counters.increment(key, windowStartMs, expiresAtMs);
      },
      close: () => counters.close(),
    };
    const now = 100 * 24 * HOUR;
    const dedup = new Deduplicator({ store: recording, now: () => now });
    await dedup.offer(toRuleMatch(rule(), at(now - 72 * HOUR))); // read three days late
    await dedup.offer(toRuleMatch(rule(), at(now))); // on time
    expect(expiries).toEqual([now + 24 * HOUR, now + HOUR + 24 * HOUR]);
  });

  it('emits the first match of a window at once and only counts the rest', async () => {
    const metrics = createMetrics();
    const dedup = new Deduplicator({ store: new MemoryDedupStore(), metrics });
    const r = rule();
    const first = await dedup.offer(toRuleMatch(r, at(10 * HOUR + 5)));
    expect(first).toMatchObject({
      ruleId: 'R',
      title: 'bucket b',
      dedupString: 'bucket b',
      windowStart: new Date(10 * HOUR).toISOString(),
    });
    expect(first!.alertId).toBe(alertIdFor('R', 'bucket b', 10 * HOUR));
    expect(await dedup.offer(toRuleMatch(r, at(10 * HOUR + 50)))).toBeNull();
    expect(await dedup.offer(toRuleMatch(r, at(11 * HOUR + 1)))).not.toBeNull(); // next window
    expect(await dedup.offer(toRuleMatch(r, at(10 * HOUR + 9, 'other')))).not.toBeNull(); // other dedup string
    expect((await metrics.alertsSuppressed.get()).values[0]?.value).toBe(1);
    expect((await metrics.alertsEmitted.get()).values[0]?.value).toBe(3);
  });

  it('holds the alert until Threshold matches fall in one window', async () => {
    const dedup = new Deduplicator({ store: new MemoryDedupStore() });
    const r = rule({ threshold: 3 });
    const results = [];
    for (const offset of [1, 2, HOUR + 1, 3, 4]) results.push(await dedup.offer(toRuleMatch(r, at(offset))));
    expect(results.map((alert) => alert !== null)).toEqual([false, false, false, true, false]);
  });

  it('gives the same alerts whatever order the events arrive in', async () => {
    const times = Array.from({ length: 200 }, (_, i) => (i * 7_919_000) % (48 * HOUR));
    const run = async (order: number[]) => {
      const dedup = new Deduplicator({ store: new MemoryDedupStore() });
      const ids = [];
      for (const t of order) {
        const alert = await dedup.offer(toRuleMatch(rule({ dedupPeriodMinutes: 720 }), at(t)));
        if (alert) ids.push(alert.alertId);
      }
      return ids.sort();
    };
    const forward = await run(times);
    expect(forward).toHaveLength(4);
    expect(await run([...times].reverse())).toEqual(forward);
  });

  it('never emits an alert id twice, even after the store forgot its counter', async () => {
    const dedup = new Deduplicator({ store: new MemoryDedupStore({ maxEntries: 1 }) });
    const r = rule();
    expect(await dedup.offer(toRuleMatch(r, at(1, 'a')))).not.toBeNull();
    expect(await dedup.offer(toRuleMatch(r, at(1, 'b')))).not.toBeNull(); // evicts a's counter
    expect(await dedup.offer(toRuleMatch(r, at(2, 'a')))).toBeNull();
  });

  it('keeps the counters of rule A:B, dedup C and rule A, dedup B:C apart', () => {
    const dedup = new Deduplicator({ store: new MemoryDedupStore() });
    const colon = rule({ id: 'A:B', threshold: 2, helpers: { dedup: () => 'C' } });
    const plain = rule({ id: 'A', threshold: 2, helpers: { dedup: () => 'B:C' } });
    expect(dedup.offerNow(toRuleMatch(colon, at(1)))).toBeNull();
    // One match of each: neither rule has reached its threshold of 2.
    expect(dedup.offerNow(toRuleMatch(plain, at(1)))).toBeNull();
    expect(dedupKey('A:B', 'C')).not.toBe(dedupKey('A', 'B:C'));
    expect(dedupKey('A%3AB', 'C')).not.toBe(dedupKey('A:B', 'C'));
    expect(dedupKey('AWS.S3.ServerAccess.Insecure', 'x')).toBe('AWS.S3.ServerAccess.Insecure:x');
  });

  // After a redelivery the same object is read again: its lines must not count twice.
  it('counts each source line once towards a Threshold, however often it is read', () => {
    const dedup = new Deduplicator({ store: new MemoryDedupStore() });
    const r = rule({ threshold: 3 });
    const line = (n: number) =>
      new ObjectEvent(
        { bucket: 'b', time: new Date(HOUR).toISOString() },
        { logType: 'T', source: { bucket: 'logs', key: 'obj', line: n } },
      );
    const read = () => [1, 2].map((n) => dedup.offerNow(toRuleMatch(r, line(n))));
    expect(read()).toEqual([null, null]);
    expect(read()).toEqual([null, null]); // the object again: still two matches, not four
    expect(dedup.offerNow(toRuleMatch(r, line(3)))).not.toBeNull(); // a third line reaches 3
  });

  // A copy of a file, the same lines through stdin, another object holding them, or S3 delivering
  // one log record twice: the line is the same request, so it counts once.
  it('counts a line once towards a Threshold whatever source it comes from', () => {
    const dedup = new Deduplicator({ store: new MemoryDedupStore() });
    const r = rule({ threshold: 3 });
    // Each request has its own request id, which is what names it.
    const text = (n: number) =>
      accessLine({ ms: HOUR + n * 1000, bucket: 'b', operation: 'REST.GET.OBJECT', insecure: true }).replace(
        '3E57427F33A59F07',
        `3E57427F33A59F0${n}`,
      );
    const sources: Array<Omit<SourceRef, 'line'>> = [
      { file: 'a.log' },
      { file: 'copy-of-a.log' },
      { file: '-' },
      { bucket: 'logs', key: 'obj' },
    ];
    for (const source of sources) {
      const matches = [1, 2].map((n) => {
        const event = parseS3AccessLine(text(n), { ...source, line: n } as SourceRef);
        if (isParseError(event)) throw new Error(event.message);
        return dedup.offerNow(toRuleMatch(r, event));
      });
      expect(matches).toEqual([null, null]);
    }
    const third = parseS3AccessLine(text(3), { file: 'a.log', line: 3 });
    if (isParseError(third)) throw new Error(third.message);
    expect(dedup.offerNow(toRuleMatch(r, third))).not.toBeNull(); // a third request reaches 3
  });

  // `scan a.log ./a.log` reads one file twice under two spellings.
  it('counts a file given under two spellings as one source', () => {
    const dedup = new Deduplicator({ store: new MemoryDedupStore() });
    const r = rule({ threshold: 3 });
    const line = (file: string, n: number) =>
      new ObjectEvent(
        { bucket: 'b', time: new Date(HOUR).toISOString() },
        { logType: 'T', source: { file, line: n } },
      );
    for (const file of ['a.log', './a.log', `${process.cwd()}/x/../a.log`]) {
      expect([1, 2].map((n) => dedup.offerNow(toRuleMatch(r, line(file, n))))).toEqual([null, null]);
    }
    expect(dedup.offerNow(toRuleMatch(r, line('b.log', 1)))).not.toBeNull(); // another file's line
  });

  describe('thresholds in half-shifted windows too', () => {
    const MINUTE = 60_000;
    const r = rule({ threshold: 4, dedupPeriodMinutes: 60 });
    const at10 = (minutes: number) => at(10 * HOUR + minutes * MINUTE);
    /** A store without incrementSync, so the promise path decides. */
    const asyncOnly = (inner: MemoryDedupStore) => ({
      increment: inner.increment.bind(inner),
      count: inner.count.bind(inner),
      close: inner.close.bind(inner),
    });
    const runs = {
      sync: async (minutes: number[]) => {
        const dedup = new Deduplicator({ store: new MemoryDedupStore() });
        return minutes.map((m) => dedup.offerNow(toRuleMatch(r, at10(m))) as Alert | null);
      },
      async: async (minutes: number[]) => {
        const dedup = new Deduplicator({ store: asyncOnly(new MemoryDedupStore()) });
        const alerts: Array<Alert | null> = [];
        for (const m of minutes) alerts.push(await dedup.offer(toRuleMatch(r, at10(m))));
        return alerts;
      },
    };

    describe.each(Object.entries(runs))('(%s)', (_path, run) => {
      // Two before 11:00 and two after: no regular window holds four, the one from 10:30 does.
      it('alerts on a burst that a regular window boundary splits', async () => {
        const alerts = (await run([50, 55, 65, 68])).filter((a) => a !== null);
        expect(alerts.map((a) => a.windowStart)).toEqual([new Date(10.5 * HOUR).toISOString()]);
      });

      // 10:40–10:55 reach 4 in the 10:00 window; 11:05 makes 4 in the 10:30 window too. The burst
      // already alerted: running on past the window's end must not alert a second time.
      it('opens one alert for a burst that reached the threshold, then ran past its window', async () => {
        const alerts = (await run([40, 45, 50, 55, 65])).filter((a) => a !== null);
        expect(alerts.map((a) => a.windowStart)).toEqual([new Date(10 * HOUR).toISOString()]);
      });

      it('alerts once on a burst inside a regular window', async () => {
        const alerts = (await run([10, 12, 14, 16, 18])).filter((a) => a !== null);
        expect(alerts.map((a) => a.windowStart)).toEqual([new Date(10 * HOUR).toISOString()]);
      });

      it('alerts on each of two bursts in neighbouring regular windows', async () => {
        const alerts = (await run([5, 6, 7, 8, 75, 76, 77, 78])).filter((a) => a !== null);
        expect(alerts.map((a) => a.windowStart)).toEqual([
          new Date(10 * HOUR).toISOString(),
          new Date(11 * HOUR).toISOString(),
        ]);
      });

      it('does not alert on matches spread wider than a period', async () => {
        expect((await run([0, 40, 80, 120])).filter((a) => a !== null)).toEqual([]);
      });
    });
  });

  it('uses the processing time for events without a time', async () => {
    const dedup = new Deduplicator({ store: new MemoryDedupStore(), now: () => 5 * HOUR + 1 });
    const alert = await dedup.offer(toRuleMatch(rule(), new ObjectEvent({ bucket: 'b' }, { logType: 'T' })));
    expect(alert?.windowStart).toBe(new Date(5 * HOUR).toISOString());
  });

  it('uses defaultDedupString and caps dedup strings at 1000 characters', () => {
    expect(toRuleMatch(rule({ helpers: {} }), at(0)).dedupString).toBe('defaultDedupString:R');
    const long = rule({ helpers: { dedup: () => 'x'.repeat(5000) } });
    expect(toRuleMatch(long, at(0)).dedupString).toHaveLength(1000);
  });
});

describe('dedup against a shared store (the promise path)', () => {
  /** A shared store's calls as they happen, over a memory store, each answered a tick later. */
  function recordingStore() {
    const inner = new MemoryDedupStore();
    const calls: string[] = [];
    const store = {
      async increment(key: string, windowStartMs: number, expiresAtMs: number) {
        calls.push(`start ${windowStartMs}`);
        await new Promise((resolve) => setImmediate(resolve));
        calls.push(`end ${windowStartMs}`);
        return inner.increment(key, windowStartMs, expiresAtMs);
      },
      count: inner.count.bind(inner),
      close: async () => undefined,
    };
    return { store, calls };
  }

  // Every count is a write to one DynamoDB item: a burst on one key throttled its partition and
  // failed the whole object, hiding the lines after the burst.
  it('writes nothing for matches of a window this process has opened', async () => {
    const { store, calls } = recordingStore();
    const dedup = new Deduplicator({ store });
    const decisions = await Promise.all(
      Array.from({ length: 50 }, () => dedup.offer(toRuleMatch(rule(), at(10 * HOUR)))),
    );
    expect(decisions.filter((alert) => alert !== null)).toHaveLength(1);
    expect(calls).toEqual([`start ${10 * HOUR}`, `end ${10 * HOUR}`]); // one write for the burst
    // A threshold: one write per match until it is reached, one at a time, then none.
    const r = rule({ id: 'T', threshold: 5 });
    calls.length = 0;
    const thresholdDecisions = await Promise.all(
      Array.from({ length: 40 }, () => dedup.offer(toRuleMatch(r, at(10 * HOUR)))),
    );
    expect(thresholdDecisions.findIndex((alert) => alert !== null)).toBe(4);
    expect(calls.filter((call) => call === `start ${10 * HOUR}`)).toHaveLength(5);
    expect(calls.slice(0, 4)).toEqual([
      `start ${10 * HOUR}`,
      `end ${10 * HOUR}`,
      `start ${9.5 * HOUR}`,
      `end ${9.5 * HOUR}`,
    ]);
  });

  // The synchronous path (the memory store): a repeat of a rule that opens at its first match costs
  // one lookup.
  it('counts nothing, on the synchronous path too, once a first-match window is opened', () => {
    const inner = new MemoryDedupStore();
    const windows: number[] = [];
    const store: DedupStore = {
      countsMatchesOnce: true,
      incrementSync: (key, windowStartMs, expiresAtMs, match) => {
        windows.push(windowStartMs);
        return inner.incrementSync(key, windowStartMs, expiresAtMs, match);
      },
      increment: () => Promise.reject(new Error('the synchronous path was expected')),
      countSync: inner.countSync.bind(inner),
      close: async () => undefined,
    };
    const dedup = new Deduplicator({ store });
    const opened = Array.from({ length: 20 }, () => dedup.offerNow(toRuleMatch(rule(), at(10 * HOUR))));
    expect(opened.filter((alert) => alert !== null)).toHaveLength(1);
    expect(windows).toEqual([10 * HOUR]);
    const r = rule({ id: 'T', threshold: 3 });
    windows.length = 0;
    const decisions = Array.from({ length: 20 }, () => dedup.offerNow(toRuleMatch(r, at(10 * HOUR))));
    expect(decisions.findIndex((alert) => alert !== null)).toBe(2);
    // Regular and shifted window below the threshold; from the third match on the regular window
    // only (its count is what tells a Threshold rule's alert is open), never the shifted one.
    expect(windows.slice(0, 4)).toEqual([10 * HOUR, 9.5 * HOUR, 10 * HOUR, 9.5 * HOUR]);
    expect(windows.slice(4)).toEqual(Array.from({ length: 18 }, () => 10 * HOUR));
  });

  // Two replicas: one's shifted count must never include a match its regular count lacks.
  it('counts the shifted window only after the regular one has been counted', async () => {
    const { store, calls } = recordingStore();
    const dedup = new Deduplicator({ store });
    const r = rule({ threshold: 3, dedupPeriodMinutes: 60 });
    await dedup.offer(toRuleMatch(r, at(10 * HOUR + 40 * 60_000)));
    expect(calls).toEqual([
      `start ${10 * HOUR}`,
      `end ${10 * HOUR}`,
      `start ${10.5 * HOUR}`,
      `end ${10.5 * HOUR}`,
    ]);
  });
});

describe('dedup against a shared store whose count skipped the threshold', () => {
  it('still opens the alert once when an increment was counted twice (an SDK retry)', async () => {
    const { Deduplicator } = await import('../../src/alert/dedup.js');
    // A store whose first increment lands twice, as a retried UpdateItem whose reply was lost.
    let count = 0;
    const store = {
      increment: async () => (count += count === 0 ? 2 : 1),
      close: async () => undefined,
    };
    const dedup = new Deduplicator({ store });
    const { toRuleMatch } = await import('../../src/detect/match.js');
    const { loadRules } = await import('../../src/detect/loader.js');
    const { ObjectEvent } = await import('../../src/detect/object-event.js');
    const { rules } = await loadRules();
    const insecure = rules.find((r) => r.id === 'AWS.S3.ServerAccess.Insecure')!;
    const event = new ObjectEvent({
      operation: 'REST.GET.OBJECT',
      bucket: 'b',
      time: '2026-11-27 10:00:00.000000000',
    });
    const first = await dedup.offer(toRuleMatch(insecure, event));
    const second = await dedup.offer(toRuleMatch(insecure, event));
    expect(first).toMatchObject({ ruleId: 'AWS.S3.ServerAccess.Insecure' });
    expect(second).toBeNull();
  });
});
