import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FAILED_EXTENSION_RETRY_SECONDS, VisibilityHeartbeat } from '../../../src/ingest/sqs/heartbeat.js';
import type { ReceivedMessage } from '../../../src/ingest/sqs/types.js';
import { createMetrics } from '../../../src/observe/metrics.js';
import { captureLogger } from '../../helpers/logs.js';

// Unit tests of the heartbeat's error branches: the SQS client is a stand-in that fails on demand.
// The happy path runs against fauxqs in consumer.test.ts.

const VISIBILITY_SECONDS = 60;
const INTERVAL_SECONDS = 30;

function harness(options: {
  maxInFlightSeconds: number;
  fail?: (call: number) => boolean;
  /** The error a failing call throws. */
  errorName?: string;
}) {
  const calls: number[] = []; // seconds since receipt of each ChangeMessageVisibility
  const visibilities: number[] = []; // and the VisibilityTimeout each asked for
  const receivedAtMs = Date.now();
  const client = {
    send: vi.fn(async (command: { input: { VisibilityTimeout: number } }) => {
      calls.push((Date.now() - receivedAtMs) / 1000);
      visibilities.push(command.input.VisibilityTimeout);
      if (options.fail?.(calls.length))
        throw Object.assign(new Error('failed'), { name: options.errorName ?? 'ThrottlingException' });
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
  const message: ReceivedMessage = {
    messageId: 'm',
    receiptHandle: 'r',
    body: '{}',
    receiveCount: 1,
    sentTimestampMs: receivedAtMs,
    receivedAtMs,
  };
  const gaveUpAt: number[] = [];
  const reasons: string[] = [];
  const stop = heartbeat.track(message, (reason) => {
    gaveUpAt.push((Date.now() - receivedAtMs) / 1000);
    reasons.push(reason);
  });
  return { calls, visibilities, gaveUpAt, reasons, stop };
}

describe('VisibilityHeartbeat', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => vi.useRealTimers());

  it('tries a failed extension again within seconds, before the visibility it extends runs out', async () => {
    const { calls, stop } = harness({ maxInFlightSeconds: 3600, fail: (call) => call === 1 });
    await vi.advanceTimersByTimeAsync(50_000);
    stop();
    expect(calls[0]).toBe(INTERVAL_SECONDS);
    expect(calls[1]).toBe(INTERVAL_SECONDS + FAILED_EXTENSION_RETRY_SECONDS);
    expect(calls[1]!).toBeLessThan(VISIBILITY_SECONDS);
  });

  it('gives up when maxInFlightSeconds is reached, not at the next beat after it', async () => {
    const { calls, gaveUpAt } = harness({ maxInFlightSeconds: 45, fail: () => false });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls).toEqual([INTERVAL_SECONDS]); // extended once, cut to the 15 s left
    expect(gaveUpAt).toEqual([45]);
  });
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
      fail: () => true,
      errorName: 'ReceiptHandleIsInvalid',
    });
    await vi.advanceTimersByTimeAsync(120_000);
    stop();
    expect(reasons).toEqual(['the receipt handle is no longer valid']);
    expect(visibilities).toHaveLength(1); // and stops extending it
  });
});
