import { mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryDeliveryLedger } from '../../src/alert/ledger-memory.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { FileSink } from '../../src/sinks/file/file-sink.js';
import { createSinks, Dispatcher, SinksSchema } from '../../src/sinks/index.js';
import { capturingLogger, makeAlert } from './helpers.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

function dispatcherFor(sinks: unknown[], stdout?: Writable) {
  return new Dispatcher({
    sinks: createSinks(SinksSchema.parse(sinks), { stdout }),
    ledger: new MemoryDeliveryLedger(),
    metrics: createMetrics(),
    logger: capturingLogger().logger,
  });
}

describe('file sink', () => {
  it('appends one JSON line per alert and keeps earlier content', async () => {
    dir = await mkdtemp(join(tmpdir(), 's3-sentinel-file-'));
    const path = join(dir, 'alerts.jsonl');
    const first = [makeAlert(), makeAlert()];
    const second = [makeAlert()];

    const a = dispatcherFor([{ type: 'file', path }]);
    await Promise.all(first.map((alert) => a.dispatch(alert)));
    await a.close();
    const b = dispatcherFor([{ type: 'file', path }]);
    await Promise.all(second.map((alert) => b.dispatch(alert)));
    await b.close();

    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual([...first, ...second]);
  });

  it('ends a line cut short by a crash before appending, so the next alert is a line of its own', async () => {
    dir = await mkdtemp(join(tmpdir(), 's3-sentinel-file-'));
    const path = join(dir, 'alerts.jsonl');
    await writeFile(path, '{"alertId":"a1"}\n{"alertId":"a2","rul'); // killed mid-write
    const alert = makeAlert();
    const d = dispatcherFor([{ type: 'file', path }]);
    await d.dispatch(alert);
    await d.close();

    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines).toEqual(['{"alertId":"a1"}', '{"alertId":"a2","rul', JSON.stringify(alert), '']);
  });

  it.runIf(process.platform === 'linux')(
    'closes the file after each failed write (a full disk)',
    async () => {
      const openFiles = async () => (await readdir('/proc/self/fd')).length;
      const d = dispatcherFor([{ type: 'file', path: '/dev/full', retry: { maxAttempts: 1 } }]);
      await d.dispatch(makeAlert()); // the first open, for the baseline
      const before = await openFiles();
      for (let i = 0; i < 20; i++) {
        expect((await d.dispatch(makeAlert())).sinks).toEqual({ file: 'failed-retryable' }); // ENOSPC
      }
      await new Promise((resolve) => setTimeout(resolve, 50)); // the closes are not awaited
      expect(await openFiles()).toBeLessThanOrEqual(before + 1);
      await d.close();
    },
  );

  it('starts a new file when its file is renamed away (log rotation) or deleted', async () => {
    dir = await mkdtemp(join(tmpdir(), 's3-sentinel-file-'));
    const path = join(dir, 'alerts.jsonl');
    const [one, two, three] = [makeAlert(), makeAlert(), makeAlert()];
    const d = dispatcherFor([{ type: 'file', path }]);
    await d.dispatch(one);
    await rename(path, `${path}.1`);
    await d.dispatch(two);
    await rm(path);
    await d.dispatch(three);
    await d.close();
    const ids = async (file: string) =>
      (await readFile(file, 'utf8'))
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).alertId);
    expect(await ids(`${path}.1`)).toEqual([one.alertId]);
    expect(await ids(path)).toEqual([three.alertId]); // `two` went to the file deleted after it
  });

  // A write abandoned at its timeout can land after the dispatch gave up; the message then brings
  // the same alerts again.
  it('does not append an alert it has already written when it comes again', async () => {
    dir = await mkdtemp(join(tmpdir(), 's3-sentinel-file-'));
    const path = join(dir, 'alerts.jsonl');
    const sink = new FileSink({ type: 'file', name: 'file', path });
    const [one, two] = [makeAlert(), makeAlert()];
    expect(await sink.send([one])).toMatchObject({ ok: true });
    expect(await sink.send([{ ...one }, two])).toMatchObject({ ok: true });
    await sink.close();
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line).alertId)).toEqual([one.alertId, two.alertId]);
  });

  it('escapes terminal controls and Unicode line separators, keeping one alert per line', async () => {
    dir = await mkdtemp(join(tmpdir(), 's3-sentinel-file-'));
    const path = join(dir, 'alerts.jsonl');
    const alert = makeAlert({ title: 'ua \u009b31m \u2028 next \u2029 \u0085 end' });
    const d = dispatcherFor([{ type: 'file', path }]);
    await d.dispatch(alert);
    await d.close();
    const text = await readFile(path, 'utf8');
    expect(text).not.toMatch(/[\u007f-\u009f\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(alert);
  });

  it.runIf(process.platform !== 'win32')('creates the file readable by its owner only', async () => {
    dir = await mkdtemp(join(tmpdir(), 's3-sentinel-file-'));
    const path = join(dir, 'alerts.jsonl');
    const d = dispatcherFor([{ type: 'file', path }]);
    await d.dispatch(makeAlert());
    await d.close();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('keeps alerts pending, without retrying now, when the directory does not exist', async () => {
    const d = dispatcherFor([{ type: 'file', path: join(tmpdir(), 'no-such-dir-s3s', 'x', 'alerts.jsonl') }]);
    expect(await d.dispatch(makeAlert())).toMatchObject({
      sinks: { file: 'failed-retryable' },
      settled: false,
    });
    expect(d.healthy).toBe(false);
    await d.close();
  });
});

describe('stdout sink', () => {
  it('writes the alert contract as JSON lines', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    // A client-written user agent with an 8-bit CSI must not reach a terminal raw.
    const alerts = [makeAlert(), makeAlert({ severity: 'LOW', title: 'ua \u009b2J\u2028' })];
    const d = dispatcherFor([{ type: 'stdout' }], out);

    const outcomes = await Promise.all(alerts.map((alert) => d.dispatch(alert)));
    await d.close();

    expect(outcomes.map((o) => o.sinks.stdout)).toEqual(['delivered', 'delivered']);
    expect(chunks.join('')).not.toMatch(/[\u0080-\u009f\u2028]/);
    expect(
      chunks
        .join('')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual(alerts);
  });
});

describe('stdout sink behind a slow reader', () => {
  it('writes each alert once, though the reader is slower than the send timeout', async () => {
    const written: string[] = [];
    // A reader that takes 300 ms per chunk, with a tiny buffer: every write has to wait for it.
    const slow = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk.toString());
        setTimeout(done, 300);
      },
    });
    const d = dispatcherFor(
      [{ type: 'stdout', requestTimeoutMs: 100, retry: { initialBackoffMs: 20, maxBackoffMs: 50 } }],
      slow,
    );
    const alerts = [makeAlert(), makeAlert(), makeAlert()];
    for (const alert of alerts) await d.dispatch(alert);
    await new Promise((resolve) => slow.end(resolve));
    await d.close();

    const ids = written
      .join('')
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { alertId: string }).alertId);
    expect(ids).toEqual(alerts.map((alert) => alert.alertId));
  });
});

describe('stdout sink on a closed stream', () => {
  it('survives the stream erroring (EPIPE) and fails its own sends instead of crashing', async () => {
    const out = new PassThrough();
    const d = dispatcherFor([{ type: 'stdout' }], out);
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    out.emit('error', epipe); // would throw "Unhandled 'error' event" without the sink's listener
    expect((await d.dispatch(makeAlert())).sinks).toEqual({ stdout: 'failed-permanent' });
    expect(d.healthy).toBe(false);
    await d.close();
  });
});
