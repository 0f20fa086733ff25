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

function harness(options: { maxInFlightSeconds: number; fail: (call: number) => boolean }) {
  const calls: number[] = []; // seconds since receipt of each ChangeMessageVisibility
  const receivedAtMs = Date.now();
  const client = {
    send: vi.fn(async () => {
      calls.push((Date.now() - receivedAtMs) / 1000);
      if (options.fail(calls.length))
        throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
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
  const stop = heartbeat.track(message, () => gaveUpAt.push((Date.now() - receivedAtMs) / 1000));
  return { calls, gaveUpAt, stop };
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
});
