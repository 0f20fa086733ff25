import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach } from 'vitest';
import type { Alert } from '../../src/alert/alert.js';
import type { Dispatcher } from '../../src/sinks/index.js';
import { createLogger, type Logger } from '../../src/observe/logger.js';

/** A request as a test receiver saw it. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** ms since the epoch when the body was complete */
  at: number;
}

export interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Never answer (a hung destination). */
  hang?: boolean;
  /** Answer after this long (a slow destination that has already taken the request). */
  delayMs?: number;
}

export interface Receiver {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 standing in for Slack, PagerDuty or a webhook receiver.
 * `reply` decides each answer from the request and its 0-based index.
 */
export async function startReceiver(
  reply: (request: ReceivedRequest, index: number) => Reply = () => ({ status: 200, body: 'ok' }),
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      const answer = reply(request, requests.length);
      requests.push(request);
      if (answer.hang) return;
      setTimeout(() => {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body ?? '');
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A logger at debug level whose every line is kept, to assert what was (not) logged. */
export function capturingLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), text: () => lines.join('') };
}

let counter = 0;

/** An alert as the detect stage emits it; override any field. */
export function makeAlert(overrides: Partial<Alert> = {}): Alert {
  counter += 1;
  return {
    alertId: `alert-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    ruleId: 'AWS.S3.ServerAccess.UnauthenticatedAccess',
    title: 'Anonymous GET of s3://prod-data/reports/q3.csv',
    severity: 'HIGH',
    dedupString: 'prod-data',
    dedupPeriodMinutes: 60,
    windowStart: '2024-05-01T10:00:00.000Z',
    logType: 'AWS.S3ServerAccess',
    description: 'An object was read without credentials.',
    runbook: 'https://runbooks.example.com/s3-anonymous',
    reference: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html',
    tags: ['AWS', 'S3', 'Collection'],
    reports: { 'MITRE ATT&CK': ['TA0009:T1530'] },
    summary: { bucket: 'prod-data', remoteip: '203.0.113.7' },
    context: {
      eventName: 'REST.GET.OBJECT',
      eventSource: 's3.amazonaws.com',
      awsRegion: 'eu-west-1',
      recipientAccountId: '123456789012',
      sourceIPAddress: '203.0.113.7',
      userAgent: 'curl/8.0',
      userIdentity: { type: 'Anonymous' },
      bucket: 'prod-data',
    },
    event: {
      bucket: 'prod-data',
      key: 'reports/q3.csv',
      requester: null,
      remoteip: '203.0.113.7',
      operation: 'REST.GET.OBJECT',
      httpstatus: 200,
      p_event_time: '2024-05-01 10:12:13.000000000',
    },
    source: { bucket: 'access-logs', key: '2024-05-01-10-12-13-ABC', line: 4 },
    ...overrides,
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Receivers and dispatchers a test file starts, closed after each test (registers the afterEach). */
export function closedAfterEach(): { receivers: Receiver[]; dispatchers: Dispatcher[] } {
  const started = { receivers: [] as Receiver[], dispatchers: [] as Dispatcher[] };
  afterEach(async () => {
    await Promise.all(started.dispatchers.splice(0).map((d) => d.close()));
    await Promise.all(started.receivers.splice(0).map((r) => r.close()));
  });
  return started;
}
