/**
 * Shared pieces of the daemon integration tests: a rule that alerts once per insecure line, log
 * lines that trigger it, a real HTTP receiver standing in for a webhook destination (it can fail,
 * stall or recover on demand), and a config built from the emulators' endpoints.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { validateConfig, type Config } from '../../src/config/index.js';
import { FAUXQS_CREDENTIALS, type FauxqsHarness, type TestQueue } from '../helpers/fauxqs.js';

/** The SDK reads these; fauxqs accepts any credentials and serves STS on its own port. */
export function useFauxqsEnvironment(fauxqs: FauxqsHarness): Record<string, string> {
  const env = {
    AWS_ACCESS_KEY_ID: FAUXQS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAUXQS_CREDENTIALS.secretAccessKey,
    AWS_REGION: fauxqs.region,
    AWS_ENDPOINT_URL_STS: fauxqs.endpoint,
  };
  Object.assign(process.env, env);
  return env;
}

/** One alert per plain-HTTP object request: the dedup string is the requested key. */
const RULE = `AnalysisType: rule
RuleID: Test.InsecureObjectAccess
DisplayName: Insecure object access (test)
Enabled: true
LogTypes: [AWS.S3ServerAccess]
Severity: High
DedupPeriodMinutes: 60
Detection:
  - Key: operation
    Condition: Wildcard
    Value: REST.*.OBJECT
  - Key: ciphersuite
    Condition: IsNullOrEmpty
AlertTitle: "insecure {key}"
`;

export async function writeTestRules(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 's3-sentinel-rules-'));
  await writeFile(join(dir, 'insecure.yml'), RULE);
  return dir;
}

export const OWN_ARN = 'arn:aws:iam::000000000000:root';
const SECURE_TAIL =
  'SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader logs.s3.us-east-1.amazonaws.com TLSv1.2 - -';
const INSECURE_TAIL = 'SigV4 - AuthHeader logs.s3.us-east-1.amazonaws.com - - -';

/** An access log line for GET of `key`; insecure (plain HTTP) unless told otherwise. */
export function logLine(
  key: string,
  options: { secure?: boolean; requester?: string; userAgent?: string; time?: string; bucket?: string } = {},
): string {
  const requester = options.requester ?? 'arn:aws:iam::123456789012:user/alice';
  const bucket = options.bucket ?? 'data-bucket';
  const userAgent = options.userAgent ?? 'curl/8.5.0';
  return [
    '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
    bucket,
    `[${options.time ?? '06/Feb/2019:00:00:38 +0000'}]`,
    '192.0.2.3',
    requester,
    '3E57427F3EXAMPLE',
    'REST.GET.OBJECT',
    key,
    `"GET /${bucket}/${key} HTTP/1.1"`,
    '200',
    '-',
    '113',
    '113',
    '7',
    '-',
    '"-"',
    `"${userAgent}"`,
    '-',
    's9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=',
    options.secure ? SECURE_TAIL : INSECURE_TAIL,
  ].join(' ');
}

export async function putObject(
  fauxqs: FauxqsHarness,
  bucket: string,
  key: string,
  body: string | Buffer,
): Promise<void> {
  await fauxqs.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

export async function sendMessage(fauxqs: FauxqsHarness, queue: TestQueue, body: string): Promise<void> {
  await fauxqs.sqs.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: body }));
}

/** Messages still in the queue, visible or not. */
export function queueDepth(fauxqs: FauxqsHarness, queue: TestQueue): number {
  const state = fauxqs.server.inspectQueue(queue.queueName);
  if (!state) throw new Error(`queue ${queue.queueName} is gone`);
  return state.messages.ready.length + state.messages.inflight.length + (state.messages.delayed?.length ?? 0);
}

export interface ReceivedAlert {
  alertId: string;
  title: string;
  source: { bucket: string; key: string; line: number };
}

/**
 * A webhook destination on 127.0.0.1. `status` and `delayMs` apply to requests from now on;
 * `accepted` are the alerts it answered 2xx to, `attempts` every request.
 */
export interface Receiver {
  url: string;
  accepted: ReceivedAlert[];
  attempts: number;
  status: number;
  delayMs: number;
  /** How many times each alert id was accepted. */
  countsById(): Map<string, number>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver & { server?: Server } = {
    url: '',
    accepted: [],
    attempts: 0,
    status: 200,
    delayMs: 0,
    countsById() {
      const counts = new Map<string, number>();
      for (const alert of this.accepted) counts.set(alert.alertId, (counts.get(alert.alertId) ?? 0) + 1);
      return counts;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      receiver.attempts++;
      const { status, delayMs } = receiver;
      setTimeout(() => {
        // A client that gave up (shutdown aborted the request) never sees the answer: the sink
        // did not take the alert, as a real API that commits with its response would not.
        if (req.socket.destroyed) return;
        if (status >= 200 && status < 300)
          receiver.accepted.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedAlert);
        res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}

export interface ConfigInput {
  fauxqs: FauxqsHarness;
  queue: TestQueue;
  rulesDir: string;
  receiverUrl: string;
  sqs?: Record<string, unknown>;
  dedup?: Record<string, unknown>;
  graceSeconds?: number;
  retry?: Record<string, unknown>;
}

/** The raw config object (before validation), as it would be written in YAML. */
export function rawConfig(input: ConfigInput): Record<string, unknown> {
  return {
    sqs: {
      queueUrl: input.queue.queueUrl,
      region: input.fauxqs.region,
      endpoint: input.fauxqs.endpoint,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 30,
      ...input.sqs,
    },
    s3: { endpoint: input.fauxqs.endpoint, forcePathStyle: true, region: input.fauxqs.region },
    rules: { builtin: false, paths: [input.rulesDir] },
    dedup: input.dedup ?? { store: 'memory' },
    sinks: [
      {
        type: 'webhook',
        name: 'hook',
        url: input.receiverUrl,
        requestTimeoutMs: 10_000,
        retry: input.retry ?? { maxAttempts: 2, initialBackoffMs: 50, maxBackoffMs: 100, maxRetryMs: 400 },
      },
    ],
    server: { port: 0, host: '127.0.0.1' },
    log: { level: 'info' },
    shutdown: { graceSeconds: input.graceSeconds ?? 5 },
  };
}

export function daemonConfig(input: ConfigInput): Config {
  return validateConfig(rawConfig(input), 'test');
}
