/**
 * A tiny webhook receiver for the docker-compose demo: s3-sentinel's webhook sink posts alerts
 * here, and each one is printed as a line you can read in `docker compose logs -f`.
 *
 *   POST /alerts      one alert (JSON object) or a batch (JSON array); answers 204
 *   GET  /alerts      the alerts received so far (the last 1000), as JSON
 *   GET  /healthz     200 ok
 *
 * Run as `node --import tsx /app/compose/webhook-receiver.ts`; PORT (default 8080).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX_BODY_BYTES = 1024 * 1024;
const KEPT_ALERTS = 1000;

export interface ReceivedAlert {
  receivedAt: string;
  alert: Record<string, unknown>;
}

/** The line printed for one alert: severity, rule, title, and the alert id for dedup checks. */
export function describeAlert(alert: Record<string, unknown>): string {
  const text = (key: string) => (typeof alert[key] === 'string' ? (alert[key] as string) : '?');
  return `ALERT ${text('severity')} ${text('ruleId')}: ${text('title')} (alertId ${text('alertId')})`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export function createWebhookReceiver(print: (line: string) => void = console.log): {
  server: Server;
  received: ReceivedAlert[];
} {
  const received: ReceivedAlert[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') return reply(res, 200, { ok: true });
    if (req.method === 'GET' && path === '/alerts') return reply(res, 200, received);
    if (req.method !== 'POST' || path !== '/alerts') return reply(res, 404, { error: 'not found' });
    readBody(req).then(
      (text) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          print(`rejected a body that is not JSON (${text.length} bytes)`);
          return reply(res, 400, { error: 'body is not JSON' });
        }
        const alerts = Array.isArray(parsed) ? parsed : [parsed];
        if (!alerts.every((a) => typeof a === 'object' && a !== null && !Array.isArray(a))) {
          print('rejected a body that is not an alert object or a list of them');
          return reply(res, 400, { error: 'expected an alert object or an array of them' });
        }
        for (const alert of alerts as Record<string, unknown>[]) {
          received.push({ receivedAt: new Date().toISOString(), alert });
          if (received.length > KEPT_ALERTS) received.shift();
          print(describeAlert(alert));
        }
        return reply(res, 204);
      },
      (err: Error) => reply(res, 413, { error: err.message }),
    );
  });
  return { server, received };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const port = Number(process.env.PORT ?? 8080);
  const { server } = createWebhookReceiver();
  server.listen(port, '0.0.0.0', () => console.log(`webhook receiver listening on :${port}`));
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
