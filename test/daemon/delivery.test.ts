import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../../src/daemon.js';
import { createMetrics, type Metrics } from '../../src/observe/metrics.js';
import { startFauxqsHarness, uniqueName, type FauxqsHarness } from '../helpers/fauxqs.js';
import { captureLogger, waitFor } from '../helpers/logs.js';
import { metricValue } from '../helpers/metrics.js';
import { s3Notification } from '../helpers/notification-fixtures.js';
import {
  daemonConfig,
  logLine,
  putObject,
  queueDepth,
  sendMessage,
  startReceiver,
  useFauxqsEnvironment,
  writeTestRules,
  type ConfigInput,
  type Receiver,
} from './helpers.js';

let fauxqs: FauxqsHarness;
let rulesDir: string;
let receiver: Receiver;
let daemon: DaemonHandle | undefined;

beforeAll(async () => {
  fauxqs = await startFauxqsHarness();
  useFauxqsEnvironment(fauxqs);
  rulesDir = await writeTestRules();
});
afterEach(async () => {
  await daemon?.stop('test over');
  daemon = undefined;
  await receiver?.close();
});
afterAll(async () => {
  await fauxqs?.stop();
});

async function start(overrides: Partial<ConfigInput> & Pick<ConfigInput, 'queue'>): Promise<Metrics> {
  receiver = await startReceiver();
  const metrics = createMetrics();
  daemon = await startDaemon(daemonConfig({ fauxqs, rulesDir, receiverUrl: receiver.url, ...overrides }), {
    metrics,
    logger: captureLogger().logger,
  });
  return metrics;
}

describe('s3-sentinel run: delivery', () => {
  it('keeps a message hidden while a slow sink delivers its alerts, and delivers each once', async () => {
    const queue = fauxqs.createQueue({ visibilityTimeoutSeconds: 2 });
    const metrics = await start({
      queue,
      sqs: { visibilityTimeoutSeconds: 2, visibilityHeartbeatSeconds: 1 },
    });
    // Each alert takes 2.5 s: longer than the visibility timeout, so without the heartbeat the
    // message would reappear and be read a second time.
    receiver.delayMs = 2_500;
    const bucket = fauxqs.createBucket();
    const p = uniqueName('slow');
    await putObject(fauxqs, bucket, `${p}/log`, [logLine(`${p}/1`), logLine(`${p}/2`)].join('\n'));
    await sendMessage(fauxqs, queue, s3Notification({ bucket, encodedKey: `${p}/log` }));

    await waitFor(() => queueDepth(fauxqs, queue) === 0, 'the message to be deleted', 20_000);
    expect([...receiver.countsById().values()]).toEqual([1, 1]);
    expect(receiver.attempts).toBe(2);
    expect(await metricValue(metrics.visibilityExtensions)).toBeGreaterThan(0);
    expect(await metricValue(metrics.messagesReceived)).toBe(1);
  }, 30_000);

  it('keeps a message whose alert could not be delivered, and delivers it once the sink recovers', async () => {
    const queue = fauxqs.createQueue();
    const metrics = await start({ queue, sqs: { retryVisibilitySeconds: 1 } });
    receiver.status = 500;
    const bucket = fauxqs.createBucket();
    const p = uniqueName('failing');
    await putObject(fauxqs, bucket, `${p}/log`, [logLine(`${p}/1`), logLine(`${p}/2`)].join('\n'));
    await sendMessage(fauxqs, queue, s3Notification({ bucket, encodedKey: `${p}/log` }));

    // Read at least twice while the sink fails: the message stays, nothing is accepted.
    await waitFor(
      async () => (await metricValue(metrics.objects, { outcome: 'undelivered' })) >= 2,
      'the object to be read again',
      15_000,
    );
    expect(receiver.accepted).toEqual([]);
    expect(receiver.attempts).toBeGreaterThanOrEqual(4);
    expect(queueDepth(fauxqs, queue)).toBe(1);
    expect(await metricValue(metrics.messagesDeleted)).toBe(0);

    receiver.status = 200;
    await waitFor(async () => (await metricValue(metrics.messagesDeleted)) === 1, 'the delete', 15_000);
    expect(queueDepth(fauxqs, queue)).toBe(0);
    expect(receiver.accepted.map((a) => a.title).sort()).toEqual([`insecure ${p}/1`, `insecure ${p}/2`]);
    expect([...receiver.countsById().values()]).toEqual([1, 1]);
  }, 40_000);
});
