import type { Config } from './schema.js';

export const MASK = '****';

/** Keys whose value is a credential wherever they appear in a sink. */
const SECRET_KEYS = new Set(['routingKey', 'secret']);
/** Keys holding URLs that may embed a credential in their path or query (Slack webhooks do). */
const URL_KEYS = new Set(['webhookUrl', 'url']);

/**
 * A copy of the config that is safe to print or log: routing keys, signing secrets and header
 * values are replaced, and sink URLs keep only their origin (`https://hooks.slack.com/****`), which
 * is enough to tell which service and region a sink posts to.
 */
export function maskConfig(config: Config): Config {
  return { ...config, sinks: config.sinks.map((sink) => maskSink(sink)) } as Config;
}

function maskSink<T extends object>(sink: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(sink)) {
    if (SECRET_KEYS.has(key) && typeof value === 'string') out[key] = MASK;
    else if (URL_KEYS.has(key) && typeof value === 'string') out[key] = maskUrl(value);
    else if (key === 'headers' && value && typeof value === 'object')
      out[key] = Object.fromEntries(Object.keys(value).map((name) => [name, MASK]));
    else out[key] = value;
  }
  return out as T;
}

/** Keeps scheme and host only. */
export function maskUrl(url: string): string {
  try {
    return `${new URL(url).origin}/${MASK}`;
  } catch {
    return MASK;
  }
}
