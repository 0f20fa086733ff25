import type { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { MessageAcker } from '../../../src/ingest/sqs/acker.js';
import type { VisibilityHeartbeat } from '../../../src/ingest/sqs/heartbeat.js';
import { InFlightMessage } from '../../../src/ingest/sqs/in-flight.js';
import type { HandlerReport, HandlerResult } from '../../../src/ingest/sqs/index.js';
import { resolveSqsConsumerOptions } from '../../../src/ingest/sqs/options.js';
import { processMessage } from '../../../src/ingest/sqs/processor.js';
import { createMetrics } from '../../../src/observe/metrics.js';
import { captureLogger } from '../../helpers/logs.js';
import { s3Notification } from '../../helpers/notification-fixtures.js';

// What happens to a message received past maxReceiveCount, decided by what its handler reports.
// The fauxqs suite (consumer.test.ts) covers the same end to end; this one drives the cases that
// are hard to time there: a heartbeat giving up in the middle of the handler.
async function pastTheCap(
  handlerResult: HandlerResult | HandlerReport,
  options: { heartbeatGivesUp?: boolean; body?: string; whenCutShort?: HandlerResult } = {},
) {
  const actions: string[] = [];
  const handler = async (_message: unknown, _refs: unknown, signal: AbortSignal) => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return signal.aborted ? (options.whenCutShort ?? 'retry') : handlerResult;
  };
  const logs = captureLogger();
  const resolved = resolveSqsConsumerOptions({
    client: {} as SQSClient,
    queueUrl: 'http://127.0.0.1/queue',
    handler,
    maxReceiveCount: 3,
    metrics: createMetrics({ defaultMetrics: false }),
    logger: logs.logger,
  });
  const message = {
    messageId: 'm',
    receiptHandle: 'r',
    body: options.body ?? s3Notification({ bucket: 'logs', encodedKey: 'k' }),
    receiveCount: 4,
    sentTimestampMs: 0,
    receivedAtMs: Date.now(),
  };
  const heartbeat = {
    track: (_message: unknown, onGiveUp: (reason: string) => void) => {
      if (options.heartbeatGivesUp) setTimeout(() => onGiveUp('held past maxInFlightSeconds'), 5);
      return () => undefined;
    },
  } as unknown as VisibilityHeartbeat;
  const acker = {
    delete: async () => void actions.push('deleted'),
    changeVisibility: async () => void actions.push('handed back'),
  } as unknown as MessageAcker;
  await processMessage(new InFlightMessage(message, new AbortController().signal), {
    options: resolved,
    acker,
    heartbeat,
  });
  return Object.assign(actions, { logs: logs.lines() });
}

describe('a message past maxReceiveCount', () => {
  it('is deleted when done, and deleted as poison when it still cannot be processed', async () => {
    expect([...(await pastTheCap('done'))]).toEqual(['deleted']);
    expect([...(await pastTheCap('retry'))]).toEqual(['deleted']);
  });

  // An operator re-scans what the error names: objects that were processed would be noise.
  it('names only the objects its handler could not finish when it deletes it as poison', async () => {
    const body = s3Notification(
      { bucket: 'logs', encodedKey: 'ok' },
      { bucket: 'logs', encodedKey: 'broken' },
    );
    const actions = await pastTheCap(
      { result: 'retry', unfinished: [{ bucket: 'logs', key: 'broken' }] },
      { body },
    );
    expect([...actions]).toEqual(['deleted']);
    const poison = actions.logs.find((line) => String(line.msg).includes('exceeded maxReceiveCount'));
    expect(poison?.objects).toEqual(['s3://logs/broken']);
  });

  it('is kept when its alerts wait for a destination', async () => {
    expect([...(await pastTheCap('awaiting-delivery'))]).toEqual([]);
  });

  // The handler reports deliveries it left under way as awaiting delivery (message-handler.ts).
  it('is kept when its handler was cut short while its alerts were in delivery', async () => {
    const cutShort = { heartbeatGivesUp: true, whenCutShort: 'awaiting-delivery' as const };
    expect([...(await pastTheCap('done', cutShort))]).toEqual([]);
  });

  // An object too slow every time (a decompression bomb past maxInFlightSeconds) held a slot and a
  // core for ever, receive after receive, with no alert to wait for.
  it('is deleted as poison when its handler was cut short with nothing in delivery', async () => {
    expect([...(await pastTheCap('done', { heartbeatGivesUp: true }))]).toEqual(['deleted']);
  });
});
