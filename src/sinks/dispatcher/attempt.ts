import type { Alert } from '../../alert/alert.js';
import type { Logger } from '../../observe/logger.js';
import type { Metrics } from '../../observe/metrics.js';
import { abortedResult } from '../http.js';
import type { SendResult, Sink } from '../sink.js';
import { backoffDelayMs, sleep, type RetryPolicy } from './retry.js';

/** The end of one delivery of a batch to one sink. */
export type DeliveryResult = 'delivered' | 'failed-permanent' | 'failed-retryable';

export interface DeliverOptions {
  sink: Sink;
  alerts: Alert[];
  policy: RetryPolicy;
  requestTimeoutMs: number;
  /**
   * Aborted on close: no new attempt starts and backoffs end. A request already sent runs to its
   * end (at most `requestTimeoutMs`): cutting it off would not unsend it — Slack may have posted
   * the message — and the redelivery would post it again.
   */
  closeSignal: AbortSignal;
  metrics: Metrics;
  logger: Logger;
  random?: () => number;
  /** Waits for the sink's pacing before each retry (the lane paces a batch's first attempt). */
  beforeRetry?: () => Promise<void>;
}

/**
 * Sends a batch to a sink, retrying retryable failures within the policy's budget. Every attempt
 * is counted; a permanent failure and a spent budget are each logged once, with the sink's name
 * and the destination's error text (never the URL or key).
 */
export async function deliverWithRetry(options: DeliverOptions): Promise<DeliveryResult> {
  const { sink, alerts, policy, closeSignal, metrics, logger } = options;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    if (closeSignal.aborted) return 'failed-retryable';
    if (attempt > 1 && options.beforeRetry) {
      await options.beforeRetry();
      if (closeSignal.aborted) return 'failed-retryable';
    }
    const result = await attemptOnce(sink, alerts, options.requestTimeoutMs);
    const outcome = result.ok ? 'delivered' : result.retryable ? 'retryable_error' : 'permanent_error';
    metrics.deliveries.inc({ sink: sink.name, outcome, status_class: result.statusClass }, alerts.length);
    if (result.ok) return 'delivered';

    const context = {
      sink: sink.name,
      sinkType: sink.type,
      alertIds: alerts.map((a) => a.alertId),
      attempt,
      status: result.status,
      statusClass: result.statusClass,
      error: result.error,
    };
    if (!result.retryable && result.holdForRedelivery) {
      logger.error(
        { ...context, healthy: sink.healthy() },
        'destination refuses alerts until it is fixed; not retrying now, the alert stays pending',
      );
      return 'failed-retryable';
    }
    if (!result.retryable) {
      logger.error({ ...context, healthy: sink.healthy() }, 'delivery failed permanently; not retrying');
      return 'failed-permanent';
    }
    if (closeSignal.aborted) return 'failed-retryable';
    const delayMs = backoffDelayMs(policy, attempt, result.retryAfterMs, options.random);
    if (attempt >= policy.maxAttempts || Date.now() - started + delayMs > policy.maxRetryMs) {
      logger.warn(
        context,
        'delivery retries exhausted; the alert stays pending (sent again when its message comes back, or when the scan is run again)',
      );
      return 'failed-retryable';
    }
    metrics.deliveryRetries.inc({ sink: sink.name });
    logger.debug({ ...context, delayMs }, 'delivery attempt failed; retrying');
    await sleep(delayMs, closeSignal);
  }
}

/**
 * One `send` under a per-request timeout. The race guards against a sink that ignores its signal:
 * a hung destination must cost one timeout, never the lane. Shutdown does not cut it short (see
 * `DeliverOptions.closeSignal`).
 */
async function attemptOnce(sink: Sink, alerts: Alert[], timeoutMs: number): Promise<SendResult> {
  const controller = new AbortController();
  const { signal } = controller;
  const timer = setTimeout(
    () => controller.abort(new DOMException('request timed out', 'TimeoutError')),
    timeoutMs,
  );
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<SendResult>((resolve) => {
    onAbort = () => resolve(abortedResult(signal));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([sink.send(alerts, signal), aborted]);
  } catch (err) {
    if (signal.aborted) return abortedResult(signal);
    // A sink that throws has a bug or met something unexpected; a retry may still succeed.
    return { ok: false, retryable: true, statusClass: 'error', error: `sink threw: ${(err as Error).name}` };
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
