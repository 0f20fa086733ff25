/**
 * A local stand-in for a Slack incoming webhook: accepts JSON posts on 127.0.0.1, answers as Slack
 * does (200, body `ok`) and keeps what it received so the demo can show it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackPost {
  /** The notification fallback text every Slack message carries. */
  text: string;
  /** Attachments (each with its Block Kit blocks), as posted. */
  attachments: unknown[];
}

export interface SlackReceiver {
  /** Looks like a webhook URL; only the path is checked. */
  url: string;
  posts: SlackPost[];
  /** Requests that were not a valid Slack payload, with why (Slack itself would answer 400). */
  rejected: string[];
  close(): Promise<void>;
}

const WEBHOOK_PATH = '/services/T0DEMO000/B0DEMO000/demo-webhook-token';

export async function startSlackReceiver(): Promise<SlackReceiver> {
  const posts: SlackPost[] = [];
  const rejected: string[] = [];

  const reject = (response: ServerResponse, status: number, reason: string) => {
    rejected.push(reason);
    response.writeHead(status, { 'content-type': 'text/plain' }).end(reason);
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== WEBHOOK_PATH) {
        return reject(response, 404, 'no_service');
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reject(response, 400, 'invalid_payload');
      }
      const { text, attachments } = (body ?? {}) as { text?: unknown; attachments?: unknown };
      if (typeof text !== 'string' || text === '') return reject(response, 400, 'invalid_payload');
      posts.push({ text, attachments: Array.isArray(attachments) ? attachments : [] });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
    posts,
    rejected,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
