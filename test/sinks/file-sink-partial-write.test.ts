/**
 * A write that fails part-way (a full disk) must not leave the part it wrote behind: the retry
 * writes the whole batch again. The disk filling up is simulated by a file handle whose append
 * writes half its text, then fails with ENOSPC, as write(2) does on a full disk.
 */
import type * as FsPromises from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { FileSink } from '../../src/sinks/file/file-sink.js';
import { makeAlert } from './helpers.js';

const disk = vi.hoisted(() => ({
  full: false,
  /** Per append, in order: 'ok', 'partial' (half written, then ENOSPC) or a promise to wait for first. */
  plan: [] as Array<'ok' | 'partial' | Promise<void>>,
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof FsPromises>();
  const open = async (...args: Parameters<typeof fs.open>): Promise<FileHandle> => {
    const handle = await fs.open(...args);
    const append = handle.appendFile.bind(handle);
    handle.appendFile = async (data, options) => {
      const step = disk.plan.shift();
      if (step instanceof Promise) await step;
      if (!disk.full && step !== 'partial') return append(data, options);
      await append(String(data).slice(0, String(data).length / 2), options);
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    return handle;
  };
  return { ...fs, open, default: { ...fs, open } };
});

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

it('cuts off what a failed append wrote, so the retry writes each alert once', async () => {
  dir = await mkdtemp(join(tmpdir(), 's3-sentinel-file-'));
  const path = join(dir, 'alerts.jsonl');
  const sink = new FileSink({ type: 'file', name: 'file', path });
  const before = makeAlert();
  await sink.send([before]);
  const batch = Array.from({ length: 10 }, () => makeAlert());
  disk.full = true;
  expect(await sink.send(batch)).toMatchObject({ ok: false, retryable: true, error: 'write failed: ENOSPC' });
  expect(await readFile(path, 'utf8')).toBe(`${JSON.stringify(before)}\n`);
  disk.full = false;
  expect(await sink.send(batch)).toMatchObject({ ok: true });
  await sink.close();
  const ids = (await readFile(path, 'utf8'))
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line).alertId);
  expect(ids).toEqual([before, ...batch].map((alert) => alert.alertId));
});

// A hung write (a FIFO nobody reads yet, an NFS stall) lets batches pile up behind it; two of them
// appending at once would each cut back over the other's lines.
it('appends one batch at a time, so cutting back a failed one never cuts another', async () => {
  dir = await mkdtemp(join(tmpdir(), 's3-sentinel-file-'));
  const path = join(dir, 'alerts.jsonl');
  const sink = new FileSink({ type: 'file', name: 'file', path });
  let release = () => {};
  disk.plan = [new Promise<void>((resolve) => (release = resolve)), 'partial', 'ok'];
  const [hung, failing, fine] = [[makeAlert()], [makeAlert(), makeAlert()], [makeAlert(), makeAlert()]];
  const results = [sink.send(hung), sink.send(failing), sink.send(fine)];
  release();
  expect(await Promise.all(results)).toMatchObject([{ ok: true }, { ok: false }, { ok: true }]);
  await sink.close();
  const ids = (await readFile(path, 'utf8'))
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line).alertId);
  expect(ids).toEqual([...hung, ...fine].map((alert) => alert.alertId));
});

// A FIFO nobody reads, a stalled NFS mount: later batches must not pile up behind the hung write,
// and closing (the daemon's stop) must not wait for it for ever.
it('fails later batches at once while a write hangs, and closes without waiting for it', async () => {
  dir = await mkdtemp(join(tmpdir(), 's3-sentinel-file-'));
  const path = join(dir, 'alerts.jsonl');
  const sink = new FileSink({ type: 'file', name: 'file', path, requestTimeoutMs: 100 });
  disk.plan = [new Promise<void>(() => {})]; // never ends
  void sink.send([makeAlert()]);
  await new Promise((resolve) => setTimeout(resolve, 250)); // past its requestTimeoutMs
  expect(await sink.send([makeAlert()])).toMatchObject({ ok: false, retryable: true });
  expect(sink.healthy()).toBe(false);
  await sink.close(); // resolves: the test would time out otherwise
  disk.plan = [];
});
