import type { Writable } from 'node:stream';
import type { Alert } from '../../alert/alert.js';
import { jsonLine } from '../../logs/json-line.js';
import { createAlertFilter } from '../filter.js';
import type { SendResult, Sink } from '../sink.js';
import type { StdoutSinkConfig } from './config.js';

/** Lines per write: stdout is local, so batching only saves syscalls. */
const STDOUT_BATCH = 100;

/** Alerts as JSON lines (the alert contract) on stdout or any writable stream. */
export class StdoutSink implements Sink {
  readonly type = 'stdout';
  readonly name: string;
  readonly accepts: (alert: Alert) => boolean;
  readonly delivery;
  #broken: NodeJS.ErrnoException | undefined;

  constructor(
    config: StdoutSinkConfig & { name: string },
    private readonly stream: Writable = process.stdout,
  ) {
    this.name = config.name;
    this.accepts = createAlertFilter(config.name, config);
    this.delivery = {
      maxBatchSize: STDOUT_BATCH,
      requestTimeoutMs: config.requestTimeoutMs,
      retry: config.retry,
    };
    // A closed stdout (the reader went away) emits 'error'; unhandled, it would kill the daemon
    // and every other sink's work with it. Remember it and fail this sink's sends instead.
    stream.on('error', (err: NodeJS.ErrnoException) => {
      this.#broken ??= err;
    });
  }

  /**
   * Backpressure is waited out *before* writing: once `write()` has taken the text it is buffered
   * and will be written, so reporting a timeout after that would have the batch written twice.
   */
  async send(alerts: Alert[], signal: AbortSignal): Promise<SendResult> {
    if (this.#broken) return writeFailure(this.#broken);
    try {
      await drained(this.stream, signal);
    } catch (err) {
      return writeFailure(err as NodeJS.ErrnoException);
    }
    if (this.#broken) return writeFailure(this.#broken);
    const text = alerts.map((alert) => `${jsonLine(alert)}\n`).join('');
    // A failed write also emits 'error', which marks the sink broken for the sends after it.
    this.stream.write(text, () => undefined);
    return { ok: true, statusClass: '2xx' };
  }

  healthy(): boolean {
    return !this.#broken && !this.stream.destroyed;
  }

  async close(): Promise<void> {}
}

function writeFailure(err: NodeJS.ErrnoException): SendResult {
  const code = err.code ?? err.name;
  // A closed pipe (`| head`) will not reopen: retrying cannot help.
  return { ok: false, retryable: code !== 'EPIPE', statusClass: 'error', error: `write failed: ${code}` };
}

/** Resolves once `stream` takes more data without buffering past its mark; rejects on abort or error. */
function drained(stream: Writable, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  if (!stream.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = (error?: unknown) => {
      signal.removeEventListener('abort', onAbort);
      stream.off('drain', onDrain);
      stream.off('error', onError);
      if (error === undefined) resolve();
      else reject(error as Error);
    };
    const onAbort = () => settle(signal.reason);
    const onDrain = () => settle();
    const onError = (err: Error) => settle(err);
    signal.addEventListener('abort', onAbort, { once: true });
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}
