import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../../src/daemon.js';
import { createMetrics, type Metrics } from '../../src/observe/metrics.js';
import { startFauxqsHarness, uniqueName, type FauxqsHarness, type TestQueue } from '../helpers/fauxqs.js';
import { captureLogger, waitFor } from '../helpers/logs.js';
import { metricValue } from '../helpers/metrics.js';
import {
  eventBridgeEvent,
  s3Notification,
  s3TestEvent,
  snsEnvelope,
} from '../helpers/notification-fixtures.js';
import {
  daemonConfig,
  logLine,
  OWN_ARN,
  putObject,
  queueDepth,
  sendMessage,
  startReceiver,
  useFauxqsEnvironment,
  writeTestRules,
  type Receiver,
} from './helpers.js';

let fauxqs: FauxqsHarness;
let receiver: Receiver;
let queue: TestQueue;
let bucket: string;
let daemon: DaemonHandle;
let metrics: Metrics;
let logs: ReturnType<typeof captureLogger>;

beforeAll(async () => {
  fauxqs = await startFauxqsHarness();
  useFauxqsEnvironment(fauxqs);
  receiver = await startReceiver();
  queue = fauxqs.createQueue();
  bucket = fauxqs.createBucket();
  metrics = createMetrics();
  logs = captureLogger();
  daemon = await startDaemon(
    daemonConfig({ fauxqs, queue, rulesDir: await writeTestRules(), receiverUrl: receiver.url }),
    { metrics, logger: logs.logger },
  );
});

afterAll(async () => {
  await daemon?.stop('test over');
  await receiver?.close();
  await fauxqs?.stop();
});

/** Uploads an object holding one insecure line per key in `lineKeys`; returns the object key. */
async function uploadLog(objectKey: string, lineKeys: string[], encode = (s: string) => Buffer.from(s)) {
  await putObject(fauxqs, bucket, objectKey, encode(lineKeys.map((k) => logLine(k)).join('\n') + '\n'));
}

function alertedKeys(prefix: string): string[] {
  return receiver.accepted
    .map((alert) => alert.title.replace(/^insecure /, ''))
    .filter((key) => key.startsWith(prefix))
    .sort();
}

async function drained(): Promise<void> {
  await waitFor(() => queueDepth(fauxqs, queue) === 0, 'the queue to drain');
}

describe('s3-sentinel run: notification forms', () => {
  it('reads every object of a direct S3 notification, decoding form-encoded keys', async () => {
    const p = uniqueName('direct');
    await uploadLog(`${p}/log one`, [`${p}/a`, `${p}/b`]);
    await uploadLog(`${p}/log+two`, [`${p}/c`]);
    await sendMessage(
      fauxqs,
      queue,
      s3Notification({ bucket, encodedKey: `${p}/log+one` }, { bucket, encodedKey: `${p}/log%2Btwo` }),
    );
    await waitFor(() => alertedKeys(p).length === 3, 'three alerts');
    await drained();
    expect(alertedKeys(p)).toEqual([`${p}/a`, `${p}/b`, `${p}/c`]);
    const sources = receiver.accepted.filter((a) => a.title.includes(p)).map((a) => a.source);
    expect(sources).toContainEqual({ bucket, key: `${p}/log one`, line: 2 });
  });

  it('reads S3 → SNS → SQS notifications, enveloped and raw', async () => {
    const p = uniqueName('sns');
    await uploadLog(`${p}/enveloped`, [`${p}/enveloped-line`]);
    await uploadLog(`${p}/raw`, [`${p}/raw-line`]);
    const enveloped = fauxqs.createTopic(queue);
    const raw = fauxqs.createTopic(queue, { rawMessageDelivery: true });
    await fauxqs.publish(enveloped, s3Notification({ bucket, encodedKey: `${p}/enveloped` }));
    await fauxqs.publish(raw, s3Notification({ bucket, encodedKey: `${p}/raw` }));
    // And an SNS envelope written by hand, as it arrives from AWS.
    await uploadLog(`${p}/by-hand`, [`${p}/by-hand-line`]);
    await sendMessage(fauxqs, queue, snsEnvelope(s3Notification({ bucket, encodedKey: `${p}/by-hand` })));
    await waitFor(() => alertedKeys(p).length === 3, 'three alerts');
    await drained();
    expect(alertedKeys(p)).toEqual([`${p}/by-hand-line`, `${p}/enveloped-line`, `${p}/raw-line`]);
  });

  it('reads S3 → EventBridge → SQS notifications', async () => {
    const p = uniqueName('eventbridge');
    await uploadLog(`${p}/log`, [`${p}/x`]);
    await sendMessage(fauxqs, queue, eventBridgeEvent({ bucket, key: `${p}/log` }));
    await waitFor(() => alertedKeys(p).length === 1, 'one alert');
    await drained();
    expect(alertedKeys(p)).toEqual([`${p}/x`]);
  });

  it('reads gzip objects, recognised by their magic bytes', async () => {
    const p = uniqueName('gzip');
    await uploadLog(`${p}/log`, [`${p}/g1`, `${p}/g2`], (text) => gzipSync(text));
    await sendMessage(fauxqs, queue, s3Notification({ bucket, encodedKey: `${p}/log` }));
    await waitFor(() => alertedKeys(p).length === 2, 'two alerts');
    expect(alertedKeys(p)).toEqual([`${p}/g1`, `${p}/g2`]);
  });

  it('deletes the S3 test event, a poison message and a notification of a missing object', async () => {
    const before = await metricValue(metrics.objects, { outcome: 'gone' });
    await sendMessage(fauxqs, queue, s3TestEvent(bucket));
    await sendMessage(fauxqs, queue, 'this is not JSON');
    await sendMessage(fauxqs, queue, s3Notification({ bucket, encodedKey: uniqueName('missing') }));
    await drained();
    await waitFor(
      async () => (await metricValue(metrics.objects, { outcome: 'gone' })) === before + 1,
      'gone',
    );
    expect(await metricValue(metrics.notificationsIgnored, { reason: 'test-event' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(await metricValue(metrics.messagesPoison, { reason: 'not-json' })).toBe(1);
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({
        level: 50, // an error: its lines were never checked
        errorCode: 'NoSuchKey',
        msg: 'log object was deleted before it was read, so its lines were not checked; skipped',
      }),
    );
  });

  it('never alerts on its own reads, but does on a forged user agent', async () => {
    const p = uniqueName('self');
    const ownAgent = 'aws-sdk-js/3.1175.0 ua/2.1 os/linux lang/js s3-sentinel/0.1.0';
    // Lines about the log bucket itself: the daemon reads it, so a read there can be its own.
    const lines = [
      logLine(`${p}/own-read`, { bucket, requester: OWN_ARN, userAgent: ownAgent }),
      logLine(`${p}/forged`, {
        bucket,
        requester: 'arn:aws:iam::123456789012:user/mallory',
        userAgent: ownAgent,
      }),
      logLine(`${p}/no-marker`, { bucket, requester: OWN_ARN }),
    ];
    await putObject(fauxqs, bucket, `${p}/log`, lines.join('\n'));
    await sendMessage(fauxqs, queue, s3Notification({ bucket, encodedKey: `${p}/log` }));
    await waitFor(() => alertedKeys(p).length === 2, 'two alerts');
    await drained();
    expect(alertedKeys(p)).toEqual([`${p}/forged`, `${p}/no-marker`]);
    const line = logs.lines().find((l) => l.msg === 'log object processed' && l.key === `${p}/log`);
    expect(line).toMatchObject({ outcome: 'processed', lines: 3, ownReads: 1, alerts: 2, undelivered: 0 });
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    const base = `http://127.0.0.1:${daemon.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(daemon.ready()).toBe(true);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/s3_sentinel_objects_total\{outcome="processed"\} [1-9]/);
    expect(text).toMatch(/s3_sentinel_sqs_messages_deleted_total [1-9]/);
  });
});
