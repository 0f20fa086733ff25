import type { Alert } from '../../alert/alert.js';
import { createAlertFilter } from '../filter.js';
import { postJson, type FetchFn } from '../http.js';
import type { SendResult, Sink } from '../sink.js';
import type { WebhookSinkConfig } from './config.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';

/** Requests in flight to one webhook receiver. */
const WEBHOOK_CONCURRENCY = 4;

/**
 * One POST per alert with the alert contract JSON as the body. `X-S3-Sentinel-Alert-Id` lets a
 * receiver drop the duplicate a retry after a timeout can cause.
 */
export class WebhookSink implements Sink {
  readonly type = 'webhook';
  readonly name: string;
  readonly accepts: (alert: Alert) => boolean;
  readonly delivery;

  constructor(
    private readonly config: WebhookSinkConfig & { name: string },
    private readonly fetchFn: FetchFn = fetch,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.name = config.name;
    this.accepts = createAlertFilter(config.name, config);
    this.delivery = {
      maxBatchSize: 1,
      concurrency: WEBHOOK_CONCURRENCY,
      requestTimeoutMs: config.requestTimeoutMs,
      retry: config.retry,
    };
  }

  async send(alerts: Alert[], signal: AbortSignal): Promise<SendResult> {
    const [alert] = alerts;
    if (!alert || alerts.length > 1) throw new Error('the webhook sink sends exactly one alert per request');
    const body = JSON.stringify(alert);
    const headers: Record<string, string> = {
      ...this.config.headers,
      'x-s3-sentinel-alert-id': alert.alertId,
    };
    if (this.config.secret) {
      headers[SIGNATURE_HEADER] = signatureHeader(this.config.secret, body, Math.floor(this.nowMs() / 1000));
    }
    const secrets = this.config.secret ? [this.config.secret] : [];
    return postJson(this.fetchFn, { url: this.config.url, body, headers, signal, secrets });
  }

  healthy(): boolean {
    return true;
  }

  async close(): Promise<void> {}
}
