import {
  RETRY_INITIAL_BACKOFF_MS,
  RETRY_MAX_ATTEMPTS,
  RETRY_MAX_BACKOFF_MS,
  RETRY_MAX_RETRY_MS,
} from '../common-config.js';

/** How hard one dispatch tries before leaving the alert for a later redelivery. */
export interface RetryPolicy {
  /** Attempts per dispatch, the first included. */
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Past this much time since the first attempt, no further retry is scheduled. */
  maxRetryMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: RETRY_MAX_ATTEMPTS.default,
  initialBackoffMs: RETRY_INITIAL_BACKOFF_MS.default,
  maxBackoffMs: RETRY_MAX_BACKOFF_MS.default,
  maxRetryMs: RETRY_MAX_RETRY_MS.default,
};

/**
 * The wait before attempt `attempt + 1`: exponential, capped, with "equal jitter" (half fixed, half
 * random) so that many alerts failing together do not retry in lockstep; never shorter than what
 * the destination asked for with Retry-After.
 */
export function backoffDelayMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (attempt - 1));
  const jittered = Math.round(exponential / 2 + (random() * exponential) / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** Waits `ms`, or less if `signal` aborts first (shutdown must not wait out a backoff). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
