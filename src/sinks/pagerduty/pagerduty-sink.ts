import type { Alert } from '../../alert/alert.js';
import { createAlertFilter } from '../filter.js';
import { postJson, type FetchFn } from '../http.js';
import type { SendResult, Sink } from '../sink.js';
import type { PagerDutySinkConfig } from './config.js';
import { triggerEvent } from './event.js';

/** Requests in flight to PagerDuty; retries are safe (dedup_key), so a few in parallel are fine. */
const PAGERDUTY_CONCURRENCY = 2;

/** Events API v2: one `trigger` per alert; 202 means accepted. */
export class PagerDutySink implements Sink {
  readonly type = 'pagerduty';
  readonly name: string;
  readonly accepts: (alert: Alert) => boolean;
  readonly delivery;

  constructor(
    private readonly config: PagerDutySinkConfig & { name: string },
    private readonly fetchFn: FetchFn = fetch,
  ) {
    this.name = config.name;
    this.accepts = createAlertFilter(config.name, config);
    this.delivery = {
      maxBatchSize: 1,
      concurrency: PAGERDUTY_CONCURRENCY,
      requestTimeoutMs: config.requestTimeoutMs,
      retry: config.retry,
    };
  }

  async send(alerts: Alert[], signal: AbortSignal): Promise<SendResult> {
    const [alert] = alerts;
    if (!alert || alerts.length > 1)
      throw new Error('the pagerduty sink sends exactly one alert per request');
    const body = JSON.stringify(triggerEvent(alert, this.config));
    return postJson(this.fetchFn, { url: this.config.url, body, signal, secrets: [this.config.routingKey] });
  }

  healthy(): boolean {
    return true;
  }

  async close(): Promise<void> {}
}
