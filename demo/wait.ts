/** Polling helpers: the demo waits on observable state (HTTP probes, queue depth, metrics), never on sleeps. */
import { setTimeout as sleep } from 'node:timers/promises';

export class DemoError extends Error {
  constructor(
    message: string,
    /** Extra lines that help the reader act (daemon log tail, queue state…). */
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Checked first on every round: a reason to give up at once (e.g. the daemon exited). */
  abortReason?: () => string | undefined;
  /** What was awaited, for the timeout message. */
  what: string;
  /** Describes the state at timeout. */
  lastState?: () => string;
}

/** Calls `check` until it returns true; throws a DemoError on timeout or abort. */
export async function pollUntil(check: () => Promise<boolean>, options: PollOptions): Promise<number> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  for (;;) {
    const reason = options.abortReason?.();
    if (reason !== undefined) throw new DemoError(`${reason} while waiting for ${options.what}`);
    if (await check()) return (Date.now() - started) / 1000;
    if (Date.now() >= deadline) {
      const state = options.lastState ? ` (${options.lastState()})` : '';
      throw new DemoError(
        `timed out after ${options.timeoutMs / 1000} s waiting for ${options.what}${state}`,
      );
    }
    await sleep(options.intervalMs ?? 200);
  }
}

/** True when `url` answers 200; connection errors mean "not yet". */
export async function answers200(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}
