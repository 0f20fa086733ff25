import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Deduplicator } from '../../src/alert/dedup.js';
import { MemoryDedupStore } from '../../src/alert/memory-dedup-store.js';
import { RuleEngine } from '../../src/detect/engine.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { ObjectProcessor, UndeliveredAlerts } from '../../src/pipeline/index.js';
import { captureLogger } from '../helpers/logs.js';
import { testRule } from '../helpers/rules.js';
import { AWS_DOC_LINES } from '../logs/s3-access/lines.js';

describe('an object read again while its alert still waits for a sink', () => {
  // The alert held from the first read and the one the second read opens again are one alert.
  it('counts that alert once as undelivered', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const { logger } = captureLogger();
    const undelivered = new UndeliveredAlerts();
    const rules = [testRule({ logTypes: ['AWS.S3ServerAccess'] })];
    const processor = new ObjectProcessor({
      reader: { open: async () => ({ body: Readable.from([Buffer.from(`${AWS_DOC_LINES[0]}\n`)]) }) },
      engine: new RuleEngine({ rules, metrics, logger }),
      dedup: new Deduplicator({ store: new MemoryDedupStore(), metrics }),
      replayDedup: () => new Deduplicator({ store: new MemoryDedupStore(), metrics }),
      // A sink that is down: nothing settles.
      dispatcher: {
        dispatch: async (alert) => ({
          alertId: alert.alertId,
          sinks: { down: 'failed-retryable' },
          settled: false,
        }),
      },
      undelivered,
      metrics,
      logger,
    });
    const ref = { bucket: 'logs', key: 'k' };
    const first = await processor.process(ref, new AbortController().signal);
    expect(first.counts.undelivered).toBe(1);
    const again = await processor.process(ref, new AbortController().signal, { replay: true });
    expect(again.counts).toMatchObject({ redispatched: 1, alerts: 1, undelivered: 1 });
    expect(again.outcome).toBe('undelivered');
  });
});
