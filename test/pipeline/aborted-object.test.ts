import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Deduplicator } from '../../src/alert/dedup.js';
import { MemoryDedupStore } from '../../src/alert/memory-dedup-store.js';
import { RuleEngine } from '../../src/detect/engine.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { createMessageHandler, ObjectProcessor } from '../../src/pipeline/index.js';
import { captureLogger } from '../helpers/logs.js';
import { testRule } from '../helpers/rules.js';
import { line } from '../logs/s3-access/lines.js';

/**
 * An object cut short (the visibility limit, `maxInFlightSeconds`) after its first chunk, whose one
 * alert a sink has not answered yet. Past the receive cap its message is kept only for such
 * deliveries (ingest/sqs/processor.ts), so they must show in the result.
 */
describe('an object whose read is cut short', () => {
  it('counts its deliveries still under way as undelivered, and the bytes it read', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const { logger } = captureLogger();
    const controller = new AbortController();
    const chunk = `${line({})}\n`;
    const body = Readable.from(
      (async function* () {
        yield Buffer.from(chunk);
        controller.abort(new Error('visibility no longer extended'));
        yield Buffer.from(chunk);
      })(),
    );
    const processor = new ObjectProcessor({
      reader: { open: async () => ({ body }) },
      engine: new RuleEngine({ rules: [testRule({ logTypes: ['AWS.S3ServerAccess'] })], metrics, logger }),
      dedup: new Deduplicator({ store: new MemoryDedupStore(), metrics }),
      dispatcher: { dispatch: () => new Promise(() => {}) }, // the sink never answers
      metrics,
      logger,
    });
    const result = await processor.process({ bucket: 'logs', key: 'k' }, controller.signal);
    expect(result.outcome).toBe('aborted');
    expect(result.counts.undelivered).toBe(1);
    expect(result.counts.bytes).toBe(Buffer.byteLength(chunk));
  });

  it('makes its message wait for the delivery when a later object of the message is never read', async () => {
    const { run, refs } = cutShort(['0', '1'], { undelivered: 1 }); // its alert still in delivery
    expect(await run()).toEqual({ result: 'awaiting-delivery', unfinished: refs });
  });

  // Earlier reads of objects 1 and 2 left alerts undelivered (the sink was down); this read is
  // cut short in object 1, before object 2 is reached. Given up as poison, 2's alert would be lost.
  it('makes its message wait when an object not reached holds undelivered alerts', async () => {
    const { run, refs } = cutShort(['0', '1', '2'], { holds: (key) => key !== '0' });
    expect(await run()).toEqual({ result: 'awaiting-delivery', unfinished: [refs[1], refs[2], refs[0]] });
  });

  // Object 0 is too slow every time; object 1 holds an alert a sink once refused. Reading object 1
  // first sends that alert again, so the slow object cannot keep it from its sink for ever.
  it('reads the objects that hold undelivered alerts first', async () => {
    const { run, order } = cutShort(['0', '1'], { holds: (key) => key === '1' });
    await run();
    expect(order).toEqual(['1']); // then cut short: object 0 was never started
  });
});

/**
 * A message handler over objects named `keys`, whose first read is cut short (the visibility
 * limit) with `undelivered` of its alerts still in delivery; `holds` says which objects hold
 * alerts from an earlier read.
 */
function cutShort(keys: string[], options: { undelivered?: number; holds?: (key: string) => boolean }) {
  const controller = new AbortController();
  const order: string[] = [];
  const refs = keys.map((key) => ({ bucket: 'logs', key }));
  const handler = createMessageHandler(
    {
      process: async (ref) => {
        order.push(ref.key);
        controller.abort();
        const counts = { undelivered: options.undelivered ?? 0 };
        return { ref, status: 'retry', outcome: 'aborted', counts } as never;
      },
    },
    options.holds && { holds: (ref) => options.holds!(ref.key) },
  );
  const message = {
    messageId: 'm',
    receiptHandle: 'r',
    body: '{}',
    receiveCount: 5,
    sentTimestampMs: 0,
    receivedAtMs: 0,
  };
  return { run: () => handler(message, refs, controller.signal), refs, order };
}
