/**
 * The daemon config the demo writes to a temporary file: the emulator's endpoints, the built-in
 * rules, a stdout sink and a Slack sink whose webhook URL comes from the environment (as it would
 * in production, so the URL never sits in the file).
 */
import { stringify } from 'yaml';
import { parseConfig } from '../src/config/index.js';

export const SLACK_URL_VARIABLE = 'DEMO_SLACK_WEBHOOK_URL';

export interface DemoConfigInput {
  endpoint: string;
  region: string;
  queueUrl: string;
  /** Port of /healthz, /readyz and /metrics, on 127.0.0.1. */
  serverPort: number;
  concurrency: number;
}

export function demoConfigYaml(input: DemoConfigInput): string {
  const config = {
    sqs: {
      queueUrl: input.queueUrl,
      region: input.region,
      endpoint: input.endpoint,
      // Short enough that an idle long poll never delays the demo's shutdown much.
      waitTimeSeconds: 2,
      visibilityTimeoutSeconds: 30,
      concurrency: input.concurrency,
      // Messages that are not notifications go back to the queue, whose redrive policy moves
      // them to the dead-letter queue where someone can look at them.
      poisonMessages: 'dead-letter',
    },
    s3: { region: input.region, endpoint: input.endpoint, forcePathStyle: true },
    rules: { builtin: true },
    dedup: { store: 'memory' },
    sinks: [
      { type: 'stdout' },
      // Slack allows about one message per second per webhook; the local receiver needs no pacing.
      { type: 'slack', name: 'slack-demo', webhookUrl: `\${${SLACK_URL_VARIABLE}}`, minIntervalMs: 100 },
    ],
    server: { port: input.serverPort, host: '127.0.0.1' },
    log: { level: 'info' },
    shutdown: { graceSeconds: 10 },
  };
  return `# Written by npm run demo: s3-sentinel against an embedded fauxqs.\n${stringify(config)}`;
}

/** Checks the config with the daemon's own loader first, so a schema mismatch reads as one. */
export function checkDemoConfig(yamlText: string, env: Record<string, string>, origin: string): void {
  parseConfig(yamlText, { env, origin });
}
