import { describe, expect, it } from 'vitest';
import { Deduplicator } from '../../src/alert/dedup.js';
import { MemoryDedupStore } from '../../src/alert/memory-dedup-store.js';
import { RuleEngine } from '../../src/detect/engine.js';
import { S3ReadError } from '../../src/ingest/s3-object-reader.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { ObjectProcessor } from '../../src/pipeline/index.js';
import { captureLogger } from '../helpers/logs.js';

describe('an object that cannot be read', () => {
  // The stack's alarm counts error-level lines: a read that retries will not cure must reach it,
  // throttling (which heals by itself) must not.
  it.each([
    ['denied', 'AccessDenied', 'error'],
    ['failed', 'KMS.DisabledException', 'error'],
    ['throttled', 'SlowDown', 'warn'],
  ] as const)('%s (%s) is logged at %s level', async (kind, errorCode, level) => {
    const metrics = createMetrics({ defaultMetrics: false });
    const { logger, lines } = captureLogger();
    const ref = { bucket: 'logs', key: 'k' };
    const processor = new ObjectProcessor({
      reader: {
        open: () => Promise.reject(new S3ReadError(kind, errorCode, ref)),
      },
      engine: new RuleEngine({ rules: [], metrics, logger }),
      dedup: new Deduplicator({ store: new MemoryDedupStore(), metrics }),
      dispatcher: { dispatch: async (alert) => ({ alertId: alert.alertId, sinks: {}, settled: true }) },
      metrics,
      logger,
    });
    const result = await processor.process(ref, new AbortController().signal);
    expect(result.outcome).toBe('read-failed');
    const logged = lines().find((line) => line.msg === 'log object could not be read; will retry');
    expect(logged).toMatchObject({ level: level === 'error' ? 50 : 40, errorCode });
  });
});
