/**
 * End to end through the wire protocols: SQS notification → ReceiveMessage → S3 GetObject stream
 * → split, parse, every built-in rule, dedup → sink → DeleteMessage, with the real daemon
 * (`startDaemon`) against an in-process fauxqs.
 *
 * The clock runs from the first notification sent to the moment every object is counted and the
 * queue is empty (visible, delayed and in flight), so it measures what a user waits for. Setup
 * (emulator, generating and uploading the objects, daemon start-up) is outside the clock. Alerts go
 * to a null stream: sinks are measured elsewhere.
 *
 * fauxqs runs in this same process: its request handling shares the one JavaScript thread with
 * the daemon, so the figures are a floor for the daemon against real AWS (where S3 and SQS cost
 * network round trips instead, which concurrency hides).
 *
 * Opt-in: `npm run bench -- --e2e [--e2e-objects M] [--e2e-lines K] [--e2e-concurrency 1,4,16]`,
 * or on its own: `tsx bench/cases/e2e.ts [same flags]`.
 */
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import {
  DEMO_CREDENTIALS,
  isDrained,
  startEmulator,
  type DemoEmulator,
  type DemoQueue,
} from '../../demo/emulator.js';
import { accessLogKey, buildLogObject, uploadLogObject, type LogObject } from '../../demo/log-objects.js';
import { s3EventNotification } from '../../demo/notifications.js';
import { validateConfig } from '../../src/config/index.js';
import { startDaemon } from '../../src/daemon.js';
import { createLogger } from '../../src/observe/logger.js';
import { createMetrics, type Metrics } from '../../src/observe/metrics.js';
import type { BenchCase, BenchResult } from './case.js';

export interface EndToEndOptions {
  objects: number;
  linesPerObject: number;
  concurrency: number;
}

export interface EndToEndFigures extends EndToEndOptions {
  lines: number;
  bytes: number;
  seconds: number;
  /** CPU time of this process over the same span: the daemon and fauxqs together. */
  cpuSeconds: number;
  objectsPerSecond: number;
  linesPerSecond: number;
  alerts: number;
}

export const E2E_DEFAULTS = { objects: 200, linesPerObject: 2_000, concurrency: [1, 4, 16] } as const;
const BUCKET = 'bench-access-logs';
const POLL_MS = 10;
const DRAIN_TIMEOUT_MS = 600_000;
/** SQS takes at most 10 entries per SendMessageBatch. */
const SEND_BATCH = 10;

/** An emulator with the objects uploaded, for one or more measurements. */
interface Fixture {
  emulator: DemoEmulator;
  keys: { key: string; size: number }[];
  bytes: number;
  linesPerObject: number;
  runs: number;
}

/** Generated once per process: the same objects for every concurrency and every run. */
let generated: { objects: number; linesPerObject: number; logObjects: LogObject[] } | undefined;

function logObjects(objects: number, linesPerObject: number): LogObject[] {
  if (generated?.objects !== objects || generated.linesPerObject !== linesPerObject) {
    const start = Date.UTC(2026, 10, 27);
    const logObjects = Array.from({ length: objects }, (_, i) =>
      buildLogObject({
        key: accessLogKey(
          'bench/',
          new Date(start + i * 60_000),
          i.toString(16).toUpperCase().padStart(16, '0'),
        ),
        lines: linesPerObject,
        // A different seed per object: different lines, so dedup sees a realistic mix.
        seed: 1_000 + i,
      }),
    );
    generated = { objects, linesPerObject, logObjects };
  }
  return generated.logObjects;
}

async function createFixture(objects: number, linesPerObject: number): Promise<Fixture> {
  const emulator = await startEmulator();
  try {
    emulator.createResources({ bucket: BUCKET, queue: 'bench-unused', dlqMaxReceiveCount: 5 });
    // The daemon asks STS who it is at start; in this process, the SDK finds fauxqs through these.
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: DEMO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DEMO_CREDENTIALS.secretAccessKey,
      AWS_REGION: emulator.region,
      AWS_ENDPOINT_URL_STS: emulator.endpoint,
    });
    const keys: Fixture['keys'] = [];
    let bytes = 0;
    for (const object of logObjects(objects, linesPerObject)) {
      await uploadLogObject(emulator.s3, BUCKET, object);
      keys.push({ key: object.key, size: object.body.length });
      bytes += object.body.length;
    }
    return { emulator, keys, bytes, linesPerObject, runs: 0 };
  } catch (error) {
    await emulator.stop();
    throw error;
  }
}

async function sendNotifications(fixture: Fixture, queue: DemoQueue): Promise<void> {
  const { emulator, keys } = fixture;
  for (let i = 0; i < keys.length; i += SEND_BATCH) {
    const entries = keys.slice(i, i + SEND_BATCH).map((ref, j) => ({
      Id: String(j),
      // One record per message, as S3 sends them.
      MessageBody: s3EventNotification([{ bucket: BUCKET, ...ref }], emulator.region),
    }));
    const result = await emulator.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queue.queueUrl, Entries: entries }),
    );
    if (result.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(result.Failed)}`);
  }
}

const counter = async (metric: Metrics['lines'] | Metrics['objects']) =>
  (await metric.get()).values.reduce((sum, sample) => sum + sample.value, 0);

/** Measures one concurrency on a fresh queue and a freshly started daemon. */
export async function measureEndToEnd(fixture: Fixture, concurrency: number): Promise<EndToEndFigures> {
  const { emulator } = fixture;
  const queue = emulator.createQueue(`bench-c${concurrency}-run${++fixture.runs}`);
  const metrics = createMetrics();
  let alerts = 0;
  const nullSink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const byte of chunk) if (byte === 0x0a) alerts++;
      callback();
    },
  });
  const config = validateConfig(
    {
      sqs: {
        queueUrl: queue.queueUrl,
        region: emulator.region,
        endpoint: emulator.endpoint,
        waitTimeSeconds: 1,
        visibilityTimeoutSeconds: 300,
        concurrency,
      },
      s3: { region: emulator.region, endpoint: emulator.endpoint, forcePathStyle: true },
      sinks: [{ type: 'stdout' }],
      server: { port: 0, host: '127.0.0.1' },
      log: { level: 'silent' },
      shutdown: { graceSeconds: 10 },
    },
    'bench e2e config',
  );
  const daemon = await startDaemon(config, {
    metrics,
    stdout: nullSink,
    logger: createLogger({ level: 'silent' }),
  });
  try {
    const expected = fixture.keys.length;
    const started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    await sendNotifications(fixture, queue);
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while ((await counter(metrics.objects)) < expected || !isDrained(emulator.queueDepth(queue.queueName))) {
      if (Date.now() > deadline) throw new Error(`e2e: not drained after ${DRAIN_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    const lines = await counter(metrics.lines);
    const wanted = expected * fixture.linesPerObject;
    // A fast wrong answer is no answer: every line must have been read.
    if (lines !== wanted) throw new Error(`e2e: the daemon read ${lines} lines, expected ${wanted}`);
    return {
      objects: expected,
      linesPerObject: fixture.linesPerObject,
      concurrency,
      lines,
      bytes: fixture.bytes,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      objectsPerSecond: expected / seconds,
      linesPerSecond: lines / seconds,
      alerts,
    };
  } finally {
    await daemon.stop('benchmark run finished');
  }
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index < 0 ? undefined : process.argv[index + 1];
}

function positiveInt(name: string, fallback: number): number {
  const given = argument(name);
  const value = given === undefined ? fallback : Number(given);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got ${given}`);
  return value;
}

export function e2eOptionsFromArgs(): { objects: number; linesPerObject: number; concurrency: number[] } {
  const concurrency = (argument('--e2e-concurrency') ?? E2E_DEFAULTS.concurrency.join(','))
    .split(',')
    .map((n) => Number(n));
  if (concurrency.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) {
    throw new Error('--e2e-concurrency takes a comma-separated list of integers from 1 to 64');
  }
  return {
    objects: positiveInt('--e2e-objects', E2E_DEFAULTS.objects),
    linesPerObject: positiveInt('--e2e-lines', E2E_DEFAULTS.linesPerObject),
    concurrency,
  };
}

export function describeFigures(f: EndToEndFigures): string {
  const n = (value: number) => Math.round(value).toLocaleString('en-US');
  return `concurrency ${f.concurrency}: ${f.objects} objects × ${n(f.linesPerObject)} lines in ${f.seconds.toFixed(2)} s → ${f.objectsPerSecond.toFixed(1)} objects/s, ${n(f.linesPerSecond)} lines/s, ${(f.bytes / 1e6 / f.seconds).toFixed(1)} MB/s; CPU ${f.cpuSeconds.toFixed(2)} s (${n(f.lines / f.cpuSeconds)} lines per CPU-second); ${f.alerts} alerts`;
}

/**
 * The cases `bench/run.ts` registers: one per concurrency, present only with `--e2e` (they take
 * tens of seconds). Each run starts its own emulator and uploads the objects (generated once), so
 * a case may run any number of times (bench/run.ts warms every case up first). The table's lines/s
 * includes that setup; the note holds the figures measured from first notification to drained.
 */
export function endToEndCases(): BenchCase[] {
  if (!process.argv.includes('--e2e')) return [];
  const options = e2eOptionsFromArgs();
  return options.concurrency.map((concurrency) => ({
    name: caseName(concurrency),
    description: `daemon end to end through fauxqs, ${concurrency} objects at once`,
    async run(): Promise<BenchResult> {
      const fixture = await createFixture(options.objects, options.linesPerObject);
      try {
        const figures = await measureEndToEnd(fixture, concurrency);
        return {
          lines: figures.lines,
          bytes: figures.bytes,
          note: `drain only: ${figures.objectsPerSecond.toFixed(1)} objects/s, ${Math.round(figures.linesPerSecond).toLocaleString('en-US')} lines/s in ${figures.seconds.toFixed(2)} s (${figures.objects} objects × ${figures.linesPerObject} lines)`,
        };
      } finally {
        await fixture.emulator.stop();
      }
    },
  }));
}

const caseName = (concurrency: number) => `e2e-c${concurrency}`;

async function main(): Promise<void> {
  const options = e2eOptionsFromArgs();
  console.log(
    `end to end through an in-process fauxqs, node ${process.version}: ${options.objects} objects × ${options.linesPerObject} lines, concurrency ${options.concurrency.join(', ')}`,
  );
  const fixture = await createFixture(options.objects, options.linesPerObject);
  try {
    for (const concurrency of options.concurrency) {
      console.log(describeFigures(await measureEndToEnd(fixture, concurrency)));
    }
  } finally {
    await fixture.emulator.stop();
  }
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
