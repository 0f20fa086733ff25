import type { Writable } from 'node:stream';
import type { SinkConfig } from './config.js';
import { FileSink } from './file/file-sink.js';
import type { FetchFn } from './http.js';
import { PagerDutySink } from './pagerduty/pagerduty-sink.js';
import type { Sink } from './sink.js';
import { SlackSink } from './slack/slack-sink.js';
import { StdoutSink } from './stdout/stdout-sink.js';
import { WebhookSink } from './webhook/webhook-sink.js';

export interface SinkDeps {
  /** Where the stdout sink writes; process.stdout by default. */
  stdout?: Writable;
  /** The HTTP client of the HTTP sinks; global fetch by default. */
  fetch?: FetchFn;
}

/** Builds the sinks of a validated config, in config order. */
export function createSinks(configs: readonly SinkConfig[], deps: SinkDeps = {}): Sink[] {
  return configs.map((config): Sink => {
    switch (config.type) {
      case 'stdout':
        return new StdoutSink(config, deps.stdout);
      case 'file':
        return new FileSink(config);
      case 'webhook':
        return new WebhookSink(config, deps.fetch);
      case 'slack':
        return new SlackSink(config, deps.fetch);
      case 'pagerduty':
        return new PagerDutySink(config, deps.fetch);
    }
  });
}
