import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { VisibilityHeartbeat } from '../../../src/ingest/sqs/heartbeat.js';
import type { ReceivedMessage } from '../../../src/ingest/sqs/types.js';
import { createMetrics } from '../../../src/observe/metrics.js';
import { captureLogger } from '../../helpers/logs.js';

// Unit tests of what the heartbeat asks SQS for: the client is a stand-in that records each
// ChangeMessageVisibility and fails on demand. The happy path runs against fauxqs in consumer.test.ts.

const VISIBILITY_SECONDS = 60;
const INTERVAL_SECONDS = 30;

function harness(options: { maxInFlightSeconds: number; errorName?: string }) {
  const visibilities: number[] = []; // the VisibilityTimeout of each ChangeMessageVisibility
  const client = {
    send: vi.fn(async (command: { input: { VisibilityTimeout: number } }) => {
      visibilities.push(command.input.VisibilityTimeout);
      if (options.errorName)
        throw Object.assign(new Error('the receipt handle has expired'), { name: options.errorName });
      return {};
    }),
  } as unknown as SQSClient;
  const heartbeat = new VisibilityHeartbeat({
    client,
    queueUrl: 'http://127.0.0.1/queue',
    metrics: createMetrics({ defaultMetrics: false }),
    logger: captureLogger().logger,
    visibilityTimeoutSeconds: VISIBILITY_SECONDS,
    intervalSeconds: INTERVAL_SECONDS,
    maxInFlightSeconds: options.maxInFlightSeconds,
    signal: new AbortController().signal,
  });
  const receivedAtMs = Date.now();
  const message: ReceivedMessage = {
    messageId: 'm',
    receiptHandle: 'r',
    body: '{}',
    receiveCount: 1,
    sentTimestampMs: receivedAtMs,
    receivedAtMs,
  };
  const reasons: string[] = [];
  const stop = heartbeat.track(message, (reason) => reasons.push(reason));
  return { visibilities, reasons, stop };
}

describe('VisibilityHeartbeat limits', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  // A full extension at 30 s of a 45 s limit would keep the message invisible until 90 s, long
  // after the handler was given up on: nobody could process it meanwhile.
  it('cuts the last extension to the time left before maxInFlightSeconds', async () => {
    const { visibilities, stop } = harness({ maxInFlightSeconds: 45 });
    await vi.advanceTimersByTimeAsync(120_000);
    stop();
    expect(visibilities).toEqual([15]);
  });

  it('extends by the full visibility timeout while the limit is far off', async () => {
    const { visibilities, stop } = harness({ maxInFlightSeconds: 3600 });
    await vi.advanceTimersByTimeAsync(65_000);
    stop();
    expect(visibilities).toEqual([VISIBILITY_SECONDS, VISIBILITY_SECONDS]);
  });

  // The message will be delivered again to someone else: the handler must stop, not finish twice.
  it('gives up when SQS says the receipt handle is no longer valid', async () => {
    const { visibilities, reasons, stop } = harness({
      maxInFlightSeconds: 3600,
      errorName: 'ReceiptHandleIsInvalid',
    });
    await vi.advanceTimersByTimeAsync(120_000);
    stop();
    expect(reasons).toEqual(['the receipt handle is no longer valid']);
    expect(visibilities).toHaveLength(1); // and stops extending it
  });
});
