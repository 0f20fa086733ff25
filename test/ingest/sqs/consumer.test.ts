import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectRef } from '../../../src/ingest/notifications.js';
import {
  SqsConsumer,
  type MessageHandler,
  type ReceivedMessage,
  type SqsConsumerOptions,
} from '../../../src/ingest/sqs/index.js';
import { createMetrics, type Metrics } from '../../../src/observe/metrics.js';
import { startFauxqsHarness, type FauxqsHarness, type TestQueue } from '../../helpers/fauxqs.js';
import { captureLogger, waitFor } from '../../helpers/logs.js';
import { metricValue } from '../../helpers/metrics.js';
import { eventBridgeEvent, s3Notification, s3TestEvent } from '../../helpers/notification-fixtures.js';

let fauxqs: FauxqsHarness;
const consumers: SqsConsumer[] = [];

beforeAll(async () => {
  fauxqs = await startFauxqsHarness();
});
afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.stop()));
});
afterAll(async () => {
  await fauxqs.stop();
});

interface Started {
  consumer: SqsConsumer;
  metrics: Metrics;
  calls: Array<{ message: ReceivedMessage; refs: ObjectRef[] }>;
  lines: () => Array<Record<string, unknown>>;
}

async function startConsumer(
  queue: TestQueue,
  handler: MessageHandler,
  overrides: Partial<SqsConsumerOptions> = {},
): Promise<Started> {
  const metrics = createMetrics();
  const { logger, lines } = captureLogger();
  const calls: Started['calls'] = [];
  const consumer = new SqsConsumer({
    client: fauxqs.sqs,
    queueUrl: queue.queueUrl,
    metrics,
    logger,
    waitTimeSeconds: 1,
    visibilityTimeoutSeconds: 30,
    deleteBatchDelayMs: 10,
    ...overrides,
    handler: (message, refs, signal) => {
      calls.push({ message, refs });
      return handler(message, refs, signal);
    },
  });
  consumers.push(consumer);
  await consumer.start();
  return { consumer, metrics, calls, lines };
}

async function send(queue: TestQueue, body: string): Promise<string> {
  const response = await fauxqs.sqs.send(
    new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: body }),
  );
  return response.MessageId as string;
}

/** Messages still in the queue, visible or not. */
function remaining(queue: TestQueue): { ready: number; inflight: number } {
  const state = fauxqs.server.inspectQueue(queue.queueName);
  if (!state) throw new Error(`queue ${queue.queueName} is gone`);
  return { ready: state.messages.ready.length, inflight: state.messages.inflight.length };
}

function isEmpty(queue: TestQueue): boolean {
  const { ready, inflight } = remaining(queue);
  return ready === 0 && inflight === 0;
}

/** Waits until the consumer has seen `count` deletes confirmed (the queue empties slightly before). */
async function deletedCount(metrics: Metrics, count: number): Promise<void> {
  await waitFor(
    async () => (await metricValue(metrics.messagesDeleted)) === count,
    `${count} confirmed deletes`,
  );
}

const done: MessageHandler = async () => 'done';

describe('SqsConsumer against fauxqs: notification forms end to end', () => {
  it('S3 → SQS direct: decodes form-encoded keys, hands every record of the message over, then deletes', async () => {
    const queue = fauxqs.createQueue();
    const { calls, metrics } = await startConsumer(queue, done);
    await send(
      queue,
      s3Notification(
        {
          bucket: 'logs',
          encodedKey: 'access/2024-05-01-12-00-00-A+B%2BC%3D',
          size: 10,
          region: 'eu-west-1',
        },
        { bucket: 'logs', encodedKey: 'access/second', size: 20 },
      ),
    );
    await waitFor(() => isEmpty(queue), 'the message to be deleted');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.refs).toEqual([
      {
        bucket: 'logs',
        key: 'access/2024-05-01-12-00-00-A B+C=',
        size: 10,
        region: 'eu-west-1',
        eventTimeMs: Date.parse('2024-05-01T12:34:56.789Z'),
      },
      {
        bucket: 'logs',
        key: 'access/second',
        size: 20,
        region: 'us-west-2',
        eventTimeMs: Date.parse('2024-05-01T12:34:56.789Z'),
      },
    ]);
    expect(calls[0]?.message.receiveCount).toBe(1);
    await deletedCount(metrics, 1);
    expect(await metricValue(metrics.messagesReceived)).toBe(1);
  });

  it('S3 → SNS → SQS with the SNS envelope', async () => {
    const queue = fauxqs.createQueue();
    const topicArn = fauxqs.createTopic(queue);
    const { calls } = await startConsumer(queue, done);
    await fauxqs.publish(topicArn, s3Notification({ bucket: 'logs', encodedKey: 'sns/key+with+spaces' }));
    await waitFor(() => calls.length === 1 && isEmpty(queue), 'the SNS message to be handled and deleted');
    expect(JSON.parse(calls[0]?.message.body ?? '{}')).toMatchObject({ Type: 'Notification' });
    expect(calls[0]?.refs.map((r) => [r.bucket, r.key])).toEqual([['logs', 'sns/key with spaces']]);
  });

  it('S3 → SNS → SQS with raw message delivery', async () => {
    const queue = fauxqs.createQueue();
    const topicArn = fauxqs.createTopic(queue, { rawMessageDelivery: true });
    const { calls } = await startConsumer(queue, done);
    await fauxqs.publish(topicArn, s3Notification({ bucket: 'logs', encodedKey: 'raw/k%C3%A9y' }));
    await waitFor(
      () => calls.length === 1 && isEmpty(queue),
      'the raw SNS message to be handled and deleted',
    );
    expect(JSON.parse(calls[0]?.message.body ?? '{}')).toHaveProperty('Records');
    expect(calls[0]?.refs.map((r) => [r.bucket, r.key])).toEqual([['logs', 'raw/kéy']]);
  });

  it('S3 → EventBridge → SQS', async () => {
    const queue = fauxqs.createQueue();
    const { calls } = await startConsumer(queue, done);
    await send(
      queue,
      eventBridgeEvent({
        bucket: 'eb-logs',
        key: 'eb/2024-05-01 plain+key',
        size: 42,
        region: 'ca-central-1',
      }),
    );
    await waitFor(
      () => calls.length === 1 && isEmpty(queue),
      'the EventBridge message to be handled and deleted',
    );
    expect(calls[0]?.refs).toEqual([
      {
        bucket: 'eb-logs',
        key: 'eb/2024-05-01 plain+key',
        size: 42,
        region: 'ca-central-1',
        eventTimeMs: Date.parse('2024-05-01T12:34:56Z'),
      },
    ]);
  });
});

describe('SqsConsumer against fauxqs: messages that are not work', () => {
  it('deletes the s3:TestEvent without calling the handler, and logs why', async () => {
    const queue = fauxqs.createQueue();
    const { calls, metrics, lines } = await startConsumer(queue, done);
    const messageId = await send(queue, s3TestEvent('logs'));
    await waitFor(() => isEmpty(queue), 'the test event to be deleted');
    expect(calls).toHaveLength(0);
    expect(await metricValue(metrics.notificationsIgnored, { reason: 'test-event' })).toBe(1);
    expect(lines().some((l) => l.messageId === messageId && String(l.msg).includes('nothing to read'))).toBe(
      true,
    );
  });

  it('deletes a non-JSON message as poison when poisonMessages is delete', async () => {
    const queue = fauxqs.createQueue();
    const { calls, metrics, lines } = await startConsumer(queue, done);
    const messageId = await send(queue, 'this is not json');
    await waitFor(() => isEmpty(queue), 'the poison message to be deleted');
    expect(calls).toHaveLength(0);
    expect(await metricValue(metrics.messagesPoison, { reason: 'not-json' })).toBe(1);
    expect(lines().find((l) => l.messageId === messageId && l.reason === 'not-json')?.msg).toBe(
      'poison message deleted',
    );
  });

  it('hands a non-JSON message back for the redrive policy to move it to the DLQ when poisonMessages is dead-letter', async () => {
    const queue = fauxqs.createQueue({ dlqMaxReceiveCount: 2 });
    const dlqName = queue.dlq?.queueName as string;
    const { calls, metrics } = await startConsumer(queue, done, { poisonMessages: 'dead-letter' });
    await send(queue, '<xml>not a notification</xml>');
    await waitFor(
      () => (fauxqs.server.inspectQueue(dlqName)?.messages.ready.length ?? 0) === 1,
      'the poison message to reach the DLQ',
    );
    expect(isEmpty(queue)).toBe(true);
    expect(calls).toHaveLength(0);
    expect(await metricValue(metrics.messagesDeleted)).toBe(0);
    expect(await metricValue(metrics.messagesPoison, { reason: 'not-json' })).toBeGreaterThanOrEqual(2);
  });

  it('refuses to start with poisonMessages dead-letter on a queue without a redrive policy', async () => {
    const queue = fauxqs.createQueue();
    await expect(startConsumer(queue, done, { poisonMessages: 'dead-letter' })).rejects.toThrow(
      /no redrive policy/,
    );
  });

  it('fails fast with the queue URL when the queue does not exist', async () => {
    const queue = { ...fauxqs.createQueue() };
    fauxqs.server.deleteQueue(queue.queueName);
    await expect(startConsumer(queue, done)).rejects.toThrow(queue.queueUrl);
  });
});

describe('SqsConsumer against fauxqs: retries, caps and visibility', () => {
  it('deletes a message only after the handler says done; retry leaves it in the queue', async () => {
    const queue = fauxqs.createQueue();
    let release: (outcome: 'done' | 'retry') => void = () => {};
    const { calls, metrics } = await startConsumer(
      queue,
      () => new Promise((resolve) => (release = resolve)),
      { retryVisibilitySeconds: 0 },
    );
    await send(queue, s3Notification({ bucket: 'logs', encodedKey: 'a' }));
    await waitFor(() => calls.length === 1, 'the handler to be called');
    await new Promise((r) => setTimeout(r, 200));
    expect(remaining(queue)).toEqual({ ready: 0, inflight: 1 });
    release('retry');
    await waitFor(() => calls.length === 2, 'the retried message to come back');
    expect(await metricValue(metrics.messagesDeleted)).toBe(0);
    expect(calls[1]?.message.receiveCount).toBe(2);
    release('done');
    await waitFor(() => isEmpty(queue), 'the message to be deleted after done');
    await deletedCount(metrics, 1);
  });

  it('a throwing handler is a retry and does not stop the loop', async () => {
    const queue = fauxqs.createQueue();
    const { calls, metrics, lines } = await startConsumer(
      queue,
      async (_message, refs) => {
        if (refs[0]?.key === 'boom') throw new Error('handler exploded');
        return 'done';
      },
      { retryVisibilitySeconds: 30 },
    );
    const boomId = await send(queue, s3Notification({ bucket: 'logs', encodedKey: 'boom' }));
    await waitFor(() => calls.length === 1, 'the failing handler to run');
    await send(queue, s3Notification({ bucket: 'logs', encodedKey: 'fine' }));
    await waitFor(
      () => calls.some((c) => c.refs[0]?.key === 'fine') && remaining(queue).inflight === 1,
      'the next message to be processed',
    );
    expect(await metricValue(metrics.messagesReturned, { reason: 'handler-error' })).toBe(1);
    await deletedCount(metrics, 1);
    expect(
      lines().some(
        (l) => l.messageId === boomId && l.msg === 'handler failed; the message will be delivered again',
      ),
    ).toBe(true);
  });

  it('caps receives with maxReceiveCount: a message that still fails past the cap is deleted as poison', async () => {
    const queue = fauxqs.createQueue();
    const { calls, metrics } = await startConsumer(queue, async () => 'retry', {
      maxReceiveCount: 2,
      retryVisibilitySeconds: 0,
    });
    await send(queue, s3Notification({ bucket: 'logs', encodedKey: 'always-fails' }));
    await waitFor(() => isEmpty(queue), 'the capped message to be deleted');
    // Handled once more past the cap (it might only wait for a sink), then deleted.
    expect(calls.map((c) => c.message.receiveCount)).toEqual([1, 2, 3]);
    expect(await metricValue(metrics.messagesPoison, { reason: 'receive-count-exceeded' })).toBe(1);
  });

  it('exempts from the receive cap a message whose alerts wait for a destination', async () => {
    const queue = fauxqs.createQueue();
    let sinkUp = false;
    // The objects are read every time; only the sink is down until `sinkUp`.
    const handler = async () => (sinkUp ? ('done' as const) : ('awaiting-delivery' as const));
    const { calls, metrics } = await startConsumer(queue, handler, {
      maxReceiveCount: 2,
      retryVisibilitySeconds: 0,
    });
    await send(queue, s3Notification({ bucket: 'logs', encodedKey: 'alerts-held' }));
    await waitFor(() => calls.length >= 4, 'the message to come back past the cap');
    sinkUp = true;
    await waitFor(() => isEmpty(queue), 'the message to be deleted once its alerts are delivered');
    expect(calls.length).toBeGreaterThan(2);
    expect(await metricValue(metrics.messagesPoison, { reason: 'receive-count-exceeded' })).toBe(0);
    await deletedCount(metrics, 1); // the delete is confirmed after the queue already looks empty
  });

  it('extends visibility while a slow handler works, so the message is not delivered twice', async () => {
    const queue = fauxqs.createQueue();
    const { calls, metrics } = await startConsumer(
      queue,
      () => new Promise((resolve) => setTimeout(() => resolve('done'), 4_500)),
      { visibilityTimeoutSeconds: 2, concurrency: 4 },
    );
    await send(queue, s3Notification({ bucket: 'logs', encodedKey: 'slow' }));
    await waitFor(() => isEmpty(queue), 'the slow message to be deleted', 15_000);
    expect(calls).toHaveLength(1);
    expect(await metricValue(metrics.visibilityExtensions)).toBeGreaterThanOrEqual(3);
    await deletedCount(metrics, 1);
  });

  it('without the heartbeat the same slow handler sees the message again (the control for the test above)', async () => {
    const queue = fauxqs.createQueue();
    const { calls } = await startConsumer(
      queue,
      () => new Promise((resolve) => setTimeout(() => resolve('done'), 3_500)),
      // maxInFlightSeconds 1: the heartbeat gives up at once, so visibility lapses after 2 s.
      { visibilityTimeoutSeconds: 2, concurrency: 4, maxInFlightSeconds: 1 },
    );
    await send(queue, s3Notification({ bucket: 'logs', encodedKey: 'slow' }));
    await waitFor(() => calls.length >= 2, 'the message to be delivered again', 15_000);
  });

  it('stop() hands in-flight messages back with visibility 0 once the deadline passes', async () => {
    const queue = fauxqs.createQueue();
    const aborted: boolean[] = [];
    const { consumer, calls, metrics } = await startConsumer(
      queue,
      (_m, _r, signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            aborted.push(true);
            resolve('retry');
          });
        }),
    );
    await send(queue, s3Notification({ bucket: 'logs', encodedKey: 'one' }));
    await send(queue, s3Notification({ bucket: 'logs', encodedKey: 'two' }));
    await waitFor(() => calls.length === 2, 'both handlers to start');
    await consumer.stop({ deadline: Date.now() + 300 });
    expect(remaining(queue)).toEqual({ ready: 2, inflight: 0 });
    expect(aborted).toEqual([true, true]);
    expect(await metricValue(metrics.messagesReturned, { reason: 'shutdown' })).toBe(2);
    expect(await metricValue(metrics.messagesDeleted)).toBe(0);
    expect(await metricValue(metrics.messagesInFlight)).toBe(0);
    expect(consumer.status().state).toBe('stopped');
  });

  it('stop() lets handlers that finish before the deadline delete their messages', async () => {
    const queue = fauxqs.createQueue();
    const { consumer, calls, metrics } = await startConsumer(
      queue,
      () => new Promise((resolve) => setTimeout(() => resolve('done'), 300)),
    );
    await send(queue, s3Notification({ bucket: 'logs', encodedKey: 'finishing' }));
    await waitFor(() => calls.length === 1, 'the handler to start');
    await consumer.stop({ deadline: Date.now() + 5_000 });
    expect(isEmpty(queue)).toBe(true);
    expect(await metricValue(metrics.messagesDeleted)).toBe(1);
    expect(await metricValue(metrics.messagesReturned, { reason: 'shutdown' })).toBe(0);
  });

  it('never has more than `concurrency` messages in flight', async () => {
    const queue = fauxqs.createQueue();
    let running = 0;
    let peak = 0;
    const { calls } = await startConsumer(
      queue,
      async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 100));
        running -= 1;
        return 'done';
      },
      { concurrency: 2 },
    );
    for (let i = 0; i < 7; i += 1) await send(queue, s3Notification({ bucket: 'logs', encodedKey: `k${i}` }));
    await waitFor(() => calls.length === 7 && isEmpty(queue), 'all seven messages to be processed');
    expect(peak).toBe(2);
  });
});
