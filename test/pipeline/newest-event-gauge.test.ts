import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Deduplicator } from '../../src/alert/dedup.js';
import { MemoryDedupStore } from '../../src/alert/memory-dedup-store.js';
import { RuleEngine } from '../../src/detect/engine.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { ObjectProcessor } from '../../src/pipeline/index.js';
import { captureLogger } from '../helpers/logs.js';
import { line } from '../logs/s3-access/lines.js';

describe('s3_sentinel_newest_event_timestamp_seconds', () => {
  // An alarm on `time() - gauge` must keep growing when logs stop, and objects finish in any order.
  it('holds the newest event time read so far, whatever order objects finish in', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const { logger } = captureLogger();
    const bodies: Record<string, string> = {
      newer: line({ time: '[06/Feb/2019:10:00:00 +0000]' }),
      older: line({ time: '[06/Feb/2019:08:00:00 +0000]' }),
    };
    const processor = new ObjectProcessor({
      reader: { open: async (ref) => ({ body: Readable.from([Buffer.from(`${bodies[ref.key]}\n`)]) }) },
      engine: new RuleEngine({ rules: [], metrics, logger }),
      dedup: new Deduplicator({ store: new MemoryDedupStore(), metrics }),
      dispatcher: { dispatch: async (alert) => ({ alertId: alert.alertId, sinks: {}, settled: true }) },
      metrics,
      logger,
    });
    const gauge = async () => (await metrics.newestEventTimestamp.get()).values[0]?.value;
    await processor.process({ bucket: 'logs', key: 'newer' }, new AbortController().signal);
    expect(await gauge()).toBe(Date.UTC(2019, 1, 6, 10) / 1000);
    await processor.process({ bucket: 'logs', key: 'older' }, new AbortController().signal);
    expect(await gauge()).toBe(Date.UTC(2019, 1, 6, 10) / 1000);
  });
});
