import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Deduplicator } from '../../src/alert/dedup.js';
import type { DedupStore } from '../../src/alert/dedup-store.js';
import { MemoryDeliveryLedger } from '../../src/alert/ledger-memory.js';
import { MemoryDedupStore } from '../../src/alert/memory-dedup-store.js';
import { RuleEngine } from '../../src/detect/engine.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { createMessageHandler, ObjectProcessor, UndeliveredAlerts } from '../../src/pipeline/index.js';
import { Dispatcher } from '../../src/sinks/index.js';
import type { SendResult, Sink } from '../../src/sinks/sink.js';
import { captureLogger } from '../helpers/logs.js';
import { testRule } from '../helpers/rules.js';
import { AWS_DOC_LINES } from '../logs/s3-access/lines.js';

/**
 * A message comes back (its visibility lapsed) while the alert its first read opened is still
 * being sent. The reread must find that alert again and wait for its delivery, whatever the dedup
 * store: a reread that found "nothing to send" would delete the message, and the alert would be
 * lost if that first delivery then failed.
 */
async function redeliverWhileSending(store: DedupStore) {
  const metrics = createMetrics({ defaultMetrics: false });
  const { logger } = captureLogger();
  let answer!: (result: SendResult) => void;
  const firstAnswer = new Promise<SendResult>((resolve) => (answer = resolve));
  const sink: Sink = {
    name: 'slack',
    type: 'slack',
    accepts: () => true,
    healthy: () => true,
    close: async () => undefined,
    delivery: { retry: { maxAttempts: 1 } },
    send: () => firstAnswer,
  };
  const dispatcher = new Dispatcher({ sinks: [sink], ledger: new MemoryDeliveryLedger(), metrics, logger });
  const processor = new ObjectProcessor({
    reader: { open: async () => ({ body: Readable.from([Buffer.from(`${AWS_DOC_LINES[0]}\n`)]) }) },
    engine: new RuleEngine({ rules: [testRule({ logTypes: ['AWS.S3ServerAccess'] })], metrics, logger }),
    dedup: new Deduplicator({ store, metrics }),
    dispatcher,
    metrics,
    logger,
    undelivered: new UndeliveredAlerts(),
    replayDedup: () => new Deduplicator({ store, metrics }),
  });
  const handle = createMessageHandler(processor);
  const ref = { bucket: 'logs', key: 'k' };
  const message = (receiveCount: number) => ({
    messageId: 'm',
    receiptHandle: `h${receiveCount}`,
    body: '',
    receiveCount,
    sentTimestampMs: 0,
    receivedAtMs: Date.now(),
  });

  const gaveUp = new AbortController();
  const first = handle(message(1), [ref], gaveUp.signal);
  await sleep(50);
  gaveUp.abort(new Error('visibility no longer extended'));
  expect(await first).not.toBe('done');

  const second = handle(message(2), [ref], new AbortController().signal);
  const early = await Promise.race([second, sleep(300).then(() => 'still waiting' as const)]);
  answer({ ok: false, retryable: true, statusClass: '5xx', status: 503, error: 'down' });
  await dispatcher.drain();
  return { early, second: await second };
}

describe('a message redelivered while its alert is being sent', () => {
  it.each([
    ['the memory store (synchronous)', () => new MemoryDedupStore()],
    [
      'a shared store (asynchronous)',
      (): DedupStore => {
        const counters = new MemoryDedupStore();
        return { increment: (...args) => counters.increment(...args), close: () => counters.close() };
      },
    ],
  ])('with %s, waits for that delivery and is kept when it fails', async (_name, makeStore) => {
    const { early, second } = await redeliverWhileSending(makeStore());
    expect(early).toBe('still waiting');
    expect(second).not.toBe('done');
  });
});
