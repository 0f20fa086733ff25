import { open, stat, type FileHandle } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
import type { Alert } from '../../alert/alert.js';
import { jsonLine } from '../../logs/json-line.js';
import { createAlertFilter } from '../filter.js';
import type { SendResult, Sink } from '../sink.js';
import { REQUEST_TIMEOUT_MS } from '../common-config.js';
import type { FileSinkConfig } from './config.js';

const NEWLINE = 0x0a;
/** Lines per write(2): one append per batch keeps lines whole and syscalls few. */
const FILE_BATCH = 500;
/** Errors a retry cannot fix: the path is wrong or not ours to write. */
const PERMANENT_FS_ERRORS = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'EROFS', 'ENOTDIR']);
/** Alerts hold requesters, source IPs and keys: a file we create is readable by its owner only. */
const FILE_MODE = 0o600;
/** Alert ids this sink has written, remembered so that a late or repeated batch is not written twice. */
const WRITTEN_IDS = 10_000;
/** What a batch gets while an earlier write hangs: it is not queued behind it. */
const STUCK: SendResult = {
  ok: false,
  retryable: true,
  statusClass: 'error',
  error: 'an earlier write has not finished (the file takes no writes)',
};

/** Alerts as JSON lines appended to a file; fsynced on close so a clean shutdown loses nothing. */
export class FileSink implements Sink {
  readonly type = 'file';
  readonly name: string;
  readonly accepts: (alert: Alert) => boolean;
  readonly delivery;
  #handle: Promise<FileHandle> | undefined;
  #healthy = true;
  /** The last append queued: appends run one after another, never two at once. */
  #tail: Promise<unknown> = Promise.resolve();
  /** Batches queued or being written, so that a retry of one waits for it instead of writing again. */
  readonly #queued = new Map<Alert[], Promise<SendResult>>();
  /**
   * A write abandoned by the dispatcher (its timeout) may still land after the dispatch has given
   * up on it; the alerts then come again with their message. Remembering what landed keeps those
   * from being appended twice.
   */
  readonly #written = new LRUCache<string, true>({ max: WRITTEN_IDS });
  /** When the append under way started; undefined when none is. */
  #appendStartedMs: number | undefined;
  readonly #timeoutMs: number;

  constructor(private readonly config: FileSinkConfig & { name: string }) {
    this.name = config.name;
    this.#timeoutMs = config.requestTimeoutMs ?? REQUEST_TIMEOUT_MS.default;
    this.accepts = createAlertFilter(config.name, config);
    // concurrency 1 (the default): appends never interleave.
    this.delivery = {
      maxBatchSize: FILE_BATCH,
      requestTimeoutMs: config.requestTimeoutMs,
      retry: config.retry,
    };
  }

  send(alerts: Alert[]): Promise<SendResult> {
    // An append cannot be cancelled: after a timeout the dispatcher retries while the abandoned
    // write still lands. If it is this very batch, its result is the answer — appending again would
    // duplicate every line. Any other batch waits its turn: two appends at once would each decide
    // what is fresh, and cut back, without seeing the other.
    const queued = this.#queued.get(alerts);
    if (queued) return queued;
    // A write that hangs (a FIFO nobody reads, a stalled NFS mount) would hold every later batch,
    // and their alerts, in memory for as long as it lasts: they fail at once instead, and wait for
    // their messages to come back.
    if (this.#stuck()) {
      this.#healthy = false;
      return Promise.resolve(STUCK);
    }
    const result = this.#tail.then(() => this.#append(alerts));
    const settled = result.then(
      () => this.#queued.delete(alerts),
      () => this.#queued.delete(alerts),
    );
    this.#tail = settled; // a failed append must not stop the ones queued behind it
    this.#queued.set(alerts, result);
    return result;
  }

  #stuck(): boolean {
    return this.#appendStartedMs !== undefined && Date.now() - this.#appendStartedMs > this.#timeoutMs;
  }

  async #append(alerts: Alert[]): Promise<SendResult> {
    this.#appendStartedMs = Date.now();
    try {
      return await this.#appendNow(alerts);
    } finally {
      this.#appendStartedMs = undefined;
    }
  }

  async #appendNow(alerts: Alert[]): Promise<SendResult> {
    const fresh = alerts.filter((alert) => !this.#written.has(alert.alertId));
    if (fresh.length === 0) return { ok: true, statusClass: '2xx' };
    const text = fresh.map((alert) => `${jsonLine(alert)}\n`).join('');
    let handle: FileHandle | undefined;
    let sizeBefore: number | undefined;
    try {
      handle = await this.#currentHandle();
      sizeBefore = await regularFileSize(handle);
      await handle.appendFile(text, 'utf8');
    } catch (err) {
      // A failed append (a full disk) may have written part of the batch: cut it off, so the retry
      // does not write those lines a second time. Not when the file is now shorter (emptied by
      // logrotate's copytruncate meanwhile): truncating would pad it with zeros.
      if (handle !== undefined && sizeBefore !== undefined) await cutBack(handle, sizeBefore);
      return this.#failed(err);
    }
    for (const alert of fresh) this.#written.set(alert.alertId, true);
    this.#healthy = true;
    return { ok: true, statusClass: '2xx' };
  }

  /**
   * The open file, reopened when its path no longer leads to it: deleted, or renamed away by log
   * rotation. Appending to such a file succeeds, but nobody will read what it gets.
   */
  async #currentHandle(): Promise<FileHandle> {
    if (this.#handle !== undefined) {
      const handle = await this.#handle;
      const [opened, current] = await Promise.all([
        handle.stat(),
        stat(this.config.path).catch(() => undefined),
      ]);
      if (current !== undefined && current.ino === opened.ino && current.dev === opened.dev) return handle;
      this.#handle = undefined;
      void handle.close().catch(() => undefined);
    }
    return await (this.#handle ??= openForAppend(this.config.path));
  }

  #failed(err: unknown): SendResult {
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

  healthy(): boolean {
    return this.#healthy;
  }

  async close(): Promise<void> {
    // Queued writes land first; one that hangs is left behind (closing the handle would wait for
    // it): its alerts are not in the ledger, so their messages come back.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<true>(
      (resolve) => (timer = setTimeout(() => resolve(true), this.#timeoutMs)),
    );
    const hung = await Promise.race([this.#tail.then(() => false), timedOut]);
    clearTimeout(timer);
    if (hung) return;
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
  if (info !== undefined && !info.isFile()) return open(path, 'a');
  let handle: FileHandle;
  try {
    handle = await open(path, 'a+', FILE_MODE); // a+ to read the last byte
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

/** The size of a regular file, or undefined for a FIFO or a terminal (nothing to cut back). */
async function regularFileSize(handle: FileHandle): Promise<number | undefined> {
  const info = await handle.stat();
  return info.isFile() ? info.size : undefined;
}

/** Cuts `handle`'s file back to `size`, unless it is already shorter; never throws. */
async function cutBack(handle: FileHandle, size: number): Promise<void> {
  try {
    if ((await handle.stat()).size >= size) await handle.truncate(size);
  } catch {
    // The retry then writes the cut-off lines again: a duplicate, never a loss.
  }
}
