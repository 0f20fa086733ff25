/**
 * The synchronous dedup path (`offerNow` with a store that has `incrementSync`) must decide exactly
 * as the promise path (`offer` through `increment`) does: same alerts, same order, same counts —
 * with thresholds, several rules and dedup strings, windows arriving out of order, and eviction.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/alert.js';
import { Deduplicator } from '../../src/alert/dedup.js';
import type { DedupStore } from '../../src/alert/dedup-store.js';
import { MemoryDedupStore } from '../../src/alert/memory-dedup-store.js';
import { toRuleMatch } from '../../src/detect/match.js';
import { ObjectEvent } from '../../src/detect/object-event.js';
import type { CompiledRule } from '../../src/detect/rule.js';
import { testRule } from '../helpers/rules.js';

const HOUR = 3_600_000;

const rule = (id: string, overrides: Partial<CompiledRule> = {}): CompiledRule =>
  testRule({ id, ...overrides });

const RULES = [
  rule('One'),
  rule('Three', { threshold: 3, dedupPeriodMinutes: 15 }),
  // GroupBy-style dedup helper: the title is then rendered only for emitted alerts.
  rule('Grouped', {
    threshold: 2,
    dedupPeriodMinutes: 720,
    helpers: {
      title: (event) => `grouped ${String(event.get('bucket'))}`,
      dedup: (event) => `${String(event.get('bucket'))}:${String(event.get('requester'))}`,
    },
  }),
];

interface Offer {
  rule: number;
  bucket: string;
  requester: string;
  timeMs: number;
}

const event = (o: Offer) =>
  new ObjectEvent(
    { bucket: o.bucket, requester: o.requester, time: new Date(o.timeMs).toISOString() },
    { logType: 'T' },
  );

/** A store with only the async contract, as the DynamoDB store has. */
class AsyncOnlyStore implements DedupStore {
  private readonly inner: MemoryDedupStore;
  constructor(maxEntries?: number) {
    this.inner = new MemoryDedupStore({ maxEntries });
  }
  increment(key: string, windowStartMs: number, expiresAtMs: number): Promise<number> {
    return this.inner.increment(key, windowStartMs, expiresAtMs);
  }
  count(key: string, windowStartMs: number): Promise<number> {
    return this.inner.count(key, windowStartMs);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

async function viaPromises(offers: Offer[], maxEntries?: number): Promise<(Alert | null)[]> {
  const dedup = new Deduplicator({ store: new AsyncOnlyStore(maxEntries), now: () => 0 });
  const results = [];
  for (const o of offers) results.push(await dedup.offer(toRuleMatch(RULES[o.rule]!, event(o))));
  return results;
}

function viaSyncPath(offers: Offer[], maxEntries?: number): (Alert | null)[] {
  const dedup = new Deduplicator({ store: new MemoryDedupStore({ maxEntries }), now: () => 0 });
  return offers.map((o) => {
    const decided = dedup.offerNow(toRuleMatch(RULES[o.rule]!, event(o)));
    if (decided instanceof Promise) throw new Error('the memory store should decide synchronously');
    return decided;
  });
}

/** Alerts without the per-process fields (p_row_id etc. live in `event`, which is the same input). */
const comparable = (alerts: (Alert | null)[]) => alerts.map((alert) => (alert ? { ...alert } : null));

const offerArb = fc.record({
  rule: fc.integer({ min: 0, max: RULES.length - 1 }),
  bucket: fc.constantFrom('a', 'b', 'c'),
  requester: fc.constantFrom('alice', 'bob'),
  // Two days, in minutes: many windows of every period, in any order.
  timeMs: fc.integer({ min: 0, max: 48 * 60 }).map((minutes) => minutes * 60_000),
});

describe('synchronous dedup path', () => {
  it('decides at once with the memory store', () => {
    const dedup = new Deduplicator({ store: new MemoryDedupStore() });
    const first = dedup.offerNow(
      toRuleMatch(RULES[0]!, event({ rule: 0, bucket: 'a', requester: 'x', timeMs: 1 })),
    );
    expect(first).not.toBeInstanceOf(Promise);
    expect(first).toMatchObject({ ruleId: 'One', title: 'bucket a' });
  });

  it('falls back to the promise path for a store without incrementSync', async () => {
    const dedup = new Deduplicator({ store: new AsyncOnlyStore() });
    const decided = dedup.offerNow(
      toRuleMatch(RULES[0]!, event({ rule: 0, bucket: 'a', requester: 'x', timeMs: 1 })),
    );
    expect(decided).toBeInstanceOf(Promise);
    expect(await decided).toMatchObject({ ruleId: 'One' });
  });

  it('keeps a subclass that overrides offer on the promise path', async () => {
    const store = new MemoryDedupStore();
    const seen: string[] = [];
    class Observing extends Deduplicator {
      override async offer(match: Parameters<Deduplicator['offer']>[0]) {
        seen.push(match.dedupString);
        return super.offer(match);
      }
    }
    const match = toRuleMatch(RULES[0]!, event({ rule: 0, bucket: 'a', requester: 'x', timeMs: 1 }));
    const decided = new Observing({ store }).offerNow(match);
    expect(decided).toBeInstanceOf(Promise);
    expect(await decided).toMatchObject({ ruleId: 'One' });
    expect(seen).toHaveLength(1); // the override saw the match
  });

  it('reopens, in a fresh deduplicator, an alert whose window already passed its threshold (a reread)', async () => {
    const store = new MemoryDedupStore();
    const match = toRuleMatch(RULES[0]!, event({ rule: 0, bucket: 'a', requester: 'x', timeMs: 1 }));
    const first = await new Deduplicator({ store }).offer(match); // the first read counted it
    const reread = await new Deduplicator({ store }).offer(match);
    expect(reread).toMatchObject({ ruleId: 'One', alertId: first!.alertId });
  });

  it('gives the same alerts as the promise path: thresholds, windows out of order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(offerArb, { maxLength: 120 }), async (offers) => {
        expect(comparable(viaSyncPath(offers))).toEqual(comparable(await viaPromises(offers)));
      }),
      { numRuns: 60 },
    );
  });

  it('gives the same alerts as the promise path when counters are evicted', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(offerArb, { maxLength: 80 }),
        fc.integer({ min: 1, max: 4 }),
        async (offers, max) => {
          expect(comparable(viaSyncPath(offers, max))).toEqual(comparable(await viaPromises(offers, max)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('opens one alert per window and dedup string, whatever the order (a worked example)', () => {
    const times = [13 * HOUR, 1 * HOUR, 25 * HOUR, 2 * HOUR, 14 * HOUR, 26 * HOUR];
    const offers = times.flatMap((timeMs) => [
      { rule: 0, bucket: 'a', requester: 'x', timeMs },
      { rule: 0, bucket: 'b', requester: 'x', timeMs },
    ]);
    const oneHourWindows = new Set(times.map((t) => Math.floor(t / HOUR)));
    expect(viaSyncPath(offers).filter(Boolean)).toHaveLength(oneHourWindows.size * 2);
  });

  it('renders a grouped rule’s title only for the alert, and gets it right', () => {
    let titles = 0;
    const grouped = rule('G', {
      threshold: 2,
      helpers: {
        title: (e) => (titles++, `grouped ${String(e.get('bucket'))}`),
        dedup: (e) => String(e.get('bucket')),
      },
    });
    const dedup = new Deduplicator({ store: new MemoryDedupStore() });
    const offer = (timeMs: number) =>
      dedup.offerNow(toRuleMatch(grouped, event({ rule: 0, bucket: 'a', requester: 'x', timeMs })));
    expect(offer(1)).toBeNull();
    expect(offer(2)).toMatchObject({ title: 'grouped a', dedupString: 'a' });
    expect(offer(3)).toBeNull();
    expect(titles).toBe(1);
  });
});
