import type { Writable } from 'node:stream';
import type { Alert } from '../../alert/alert.js';
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

  async send(alerts: Alert[], signal: AbortSignal): Promise<SendResult> {
    if (this.#broken) return writeFailure(this.#broken);
    const text = alerts.map((alert) => `${JSON.stringify(alert)}\n`).join('');
    try {
      await writeRespectingBackpressure(this.stream, text, signal);
      return { ok: true, statusClass: '2xx' };
    } catch (err) {
      return writeFailure(err as NodeJS.ErrnoException);
    }
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

function writeRespectingBackpressure(stream: Writable, text: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const flushed = stream.write(text, (err) => (err ? reject(err) : undefined));
    if (flushed) return resolve();
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    stream.once('drain', () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
