import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Deduplicator } from '../../src/alert/dedup.js';
import { MemoryDeliveryLedger } from '../../src/alert/ledger-memory.js';
import { RuleEngine } from '../../src/detect/engine.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { ObjectProcessor } from '../../src/pipeline/index.js';
import { Dispatcher } from '../../src/sinks/index.js';
import { captureLogger } from '../helpers/logs.js';
import { testRule } from '../helpers/rules.js';
import { AWS_DOC_LINES } from '../logs/s3-access/lines.js';

describe('an object read while the shared dedup store fails', () => {
  it('is retried, and the log blames the store, not the object', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const { logger, lines } = captureLogger();
    const failingStore = {
      increment: () =>
        Promise.reject(Object.assign(new Error('throughput exceeded'), { name: 'ThrottlingException' })),
      close: () => Promise.resolve(),
    };
    const processor = new ObjectProcessor({
      reader: { open: async () => ({ body: Readable.from([Buffer.from(`${AWS_DOC_LINES[0]}\n`)]) }) },
      engine: new RuleEngine({ rules: [testRule({ logTypes: ['AWS.S3ServerAccess'] })], metrics, logger }),
      dedup: new Deduplicator({ store: failingStore, metrics }),
      dispatcher: new Dispatcher({ sinks: [], ledger: new MemoryDeliveryLedger(), metrics, logger }),
      metrics,
      logger,
    });
    const result = await processor.process({ bucket: 'logs', key: 'k' }, new AbortController().signal);
    expect(result).toMatchObject({ status: 'retry', outcome: 'store-failed' });
    const messages = lines().map((line) => line.msg);
    expect(messages).toContain('dedup store failed while reading the log object; will retry');
    expect(messages).not.toContain('log object could not be decoded; will retry');
  });
});
