import type { Alert } from '../../alert/alert.js';
import { createAlertFilter } from '../filter.js';
import { postJson, type FetchFn } from '../http.js';
import type { SendResult, Sink } from '../sink.js';
import type { SlackSinkConfig } from './config.js';
import { alertMessage, digestMessage } from './message.js';

/** Slack's answers that mean the webhook is gone (revoked, channel deleted or archived). */
const GONE_STATUSES = new Set([403, 404, 410]);

/**
 * An incoming webhook. The dispatcher paces it (one message per `minIntervalMs`) and hands it
 * every alert that queued meanwhile, up to `maxAlertsPerMessage`; several become one digest.
 */
export class SlackSink implements Sink {
  readonly type = 'slack';
  readonly name: string;
  readonly accepts: (alert: Alert) => boolean;
  readonly delivery;
  #healthy = true;

  constructor(
    private readonly config: SlackSinkConfig & { name: string },
    private readonly fetchFn: FetchFn = fetch,
  ) {
    this.name = config.name;
    this.accepts = createAlertFilter(config.name, config);
    this.delivery = {
      maxBatchSize: config.maxAlertsPerMessage,
      concurrency: 1,
      intervalMs: config.minIntervalMs,
      intervalCap: 1,
      requestTimeoutMs: config.requestTimeoutMs,
      retry: config.retry,
    };
  }

  async send(alerts: Alert[], signal: AbortSignal): Promise<SendResult> {
    const [first] = alerts;
    if (!first) return { ok: true, statusClass: '2xx' };
    const message = alerts.length === 1 ? alertMessage(first) : digestMessage(alerts);
    const result = await postJson(this.fetchFn, {
      url: this.config.webhookUrl,
      body: JSON.stringify(message),
      signal,
    });
    if (result.ok) this.#healthy = true;
    else if (result.status !== undefined && GONE_STATUSES.has(result.status)) {
      this.#healthy = false;
      return { ...result, holdForRedelivery: true };
    }
    return result;
  }

  healthy(): boolean {
    return this.#healthy;
  }

  async close(): Promise<void> {}
}
