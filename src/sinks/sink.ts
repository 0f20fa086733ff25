import type { Alert } from '../alert/alert.js';
import type { RetryPolicy } from './dispatcher/retry.js';

/** Why an attempt ended as it did, as the `status_class` metric label. */
export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'timeout' | 'network' | 'aborted' | 'error';

/** What one attempt to hand alerts to a destination gave. */
export type SendResult =
  | { ok: true; statusClass: StatusClass }
  | {
      ok: false;
      /** Worth trying again: network errors, timeouts, 429, 5xx. */
      retryable: boolean;
      /**
       * With `retryable: false`: not worth retrying now, but not the alert's fault either — the
       * destination is misconfigured or gone (Slack 403/404/410, an unwritable file). The alert
       * stays pending (not settled), so its SQS message comes back and is delivered once an
       * operator fixes the sink, rather than being dropped.
       */
      holdForRedelivery?: boolean;
      statusClass: StatusClass;
      status?: number;
      /** The destination asked us to wait this long (Retry-After). */
      retryAfterMs?: number;
      /** The destination's own error text (or an error code); never contains the URL. */
      error: string;
    };

/** How the dispatcher should feed a sink; every field has a dispatcher default. */
export interface SinkDeliveryOptions {
  /** Alerts the sink takes in one `send` (Slack digests, file writes). Default 1. */
  maxBatchSize?: number;
  /** Sends in flight at once. Default 1. */
  concurrency?: number;
  /** Pacing: at most `intervalCap` requests per `intervalMs`, evenly spaced, retries included. */
  intervalMs?: number;
  intervalCap?: number;
  requestTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

/** A destination for alerts. `send` never has to retry: the dispatcher does. */
export interface Sink {
  readonly name: string;
  readonly type: string;
  /** The sink's routing filters (minSeverity, rule ids, tags, alert.destinations). */
  accepts(alert: Alert): boolean;
  /** One attempt. Must honour `signal` (the per-request timeout). */
  send(alerts: Alert[], signal: AbortSignal): Promise<SendResult>;
  /** False once the destination told us it is gone (Slack 403/404/410). */
  healthy(): boolean;
  /** Flushes and releases resources (the file sink fsyncs here). */
  close(): Promise<void>;
  readonly delivery?: SinkDeliveryOptions;
}
