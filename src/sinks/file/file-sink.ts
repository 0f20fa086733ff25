import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Alert } from '../../alert/alert.js';
import { createAlertFilter } from '../filter.js';
import type { SendResult, Sink } from '../sink.js';
import type { FileSinkConfig } from './config.js';

const NEWLINE = 0x0a;
/** Lines per write(2): one append per batch keeps lines whole and syscalls few. */
const FILE_BATCH = 500;
/** Errors a retry cannot fix: the path is wrong or not ours to write. */
const PERMANENT_FS_ERRORS = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'EROFS', 'ENOTDIR']);

/** Alerts as JSON lines appended to a file; fsynced on close so a clean shutdown loses nothing. */
export class FileSink implements Sink {
  readonly type = 'file';
  readonly name: string;
  readonly accepts: (alert: Alert) => boolean;
  readonly delivery;
  #handle: Promise<FileHandle> | undefined;
  #healthy = true;
  #writing: { alerts: Alert[]; result: Promise<SendResult> } | undefined;

  constructor(private readonly config: FileSinkConfig & { name: string }) {
    this.name = config.name;
    this.accepts = createAlertFilter(config.name, config);
    // concurrency 1 (the default): appends never interleave.
    this.delivery = {
      maxBatchSize: FILE_BATCH,
      requestTimeoutMs: config.requestTimeoutMs,
      retry: config.retry,
    };
  }

  async send(alerts: Alert[]): Promise<SendResult> {
    // An append cannot be cancelled: after a timeout the dispatcher retries while the abandoned
    // write still lands. Wait for it, and if it was this very batch, its result is the answer —
    // appending again would duplicate every line.
    const previous = this.#writing;
    if (previous) {
      const result = await previous.result;
      if (previous.alerts === alerts) return result;
    }
    const result = this.#append(alerts);
    this.#writing = { alerts, result };
    try {
      return await result;
    } finally {
      if (this.#writing?.result === result) this.#writing = undefined;
    }
  }

  async #append(alerts: Alert[]): Promise<SendResult> {
    const text = alerts.map((alert) => `${JSON.stringify(alert)}\n`).join('');
    try {
      this.#handle ??= openForAppend(this.config.path);
      const handle = await this.#handle;
      await handle.appendFile(text, 'utf8');
      this.#healthy = true;
      return { ok: true, statusClass: '2xx' };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
      // Reopened for the next try (the file may have been fixed or rotated); this one is closed.
      const failed = this.#handle;
      this.#handle = undefined;
      void failed?.then((handle) => handle.close()).catch(() => undefined);
      this.#healthy = false;
      const permanent = PERMANENT_FS_ERRORS.has(code);
      return {
        ok: false,
        retryable: !permanent,
        // A wrong path or permission is the operator's to fix; the alerts wait for it.
        holdForRedelivery: permanent,
        statusClass: 'error',
        error: `write failed: ${code}`,
      };
    }
  }

  healthy(): boolean {
    return this.#healthy;
  }

  async close(): Promise<void> {
    await this.#writing?.result;
    const pending = this.#handle;
    this.#handle = undefined;
    if (!pending) return;
    const handle = await pending.catch(() => undefined);
    if (!handle) return;
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/**
 * Opens `path` for appending. A file that does not end with a newline holds a line cut short (a
 * crash or a full disk in the middle of a write): it is ended first, so the next alert starts a line
 * of its own instead of being glued to the broken one, which readers can then skip.
 */
async function openForAppend(path: string): Promise<FileHandle> {
  // Only a regular file can hold a cut line. A FIFO or /dev/stdout is opened write-only, as before:
  // opened read-write we would hold its read end ourselves, and writes nobody reads would succeed.
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return open(path, 'a');
  let handle: FileHandle;
  try {
    handle = await open(path, 'a+'); // a+ to read the last byte
  } catch (err) {
    // Write-only for us: append without the check.
    if ((err as NodeJS.ErrnoException).code === 'EACCES') return open(path, 'a');
    throw err;
  }
  try {
    const { size } = await handle.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== NEWLINE) await handle.appendFile('\n');
    }
    return handle;
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}
