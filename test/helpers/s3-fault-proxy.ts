import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a faulty S3 endpoint does with one request instead of passing it on. */
export type S3Fault = 'slowdown' | 'reset' | 'denied' | 'bad-key' | 'hang' | undefined;

export interface S3FaultProxy {
  /** Point an S3 client here. */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * An S3 endpoint in front of `upstream` (fauxqs) that fails the requests `fault` names, as S3 does
 * now and then half-way through a large listing: `fault(url)` is asked for every request, and
 * `undefined` passes it on.
 */
export async function startS3FaultProxy(
  upstream: string,
  fault: (url: string) => S3Fault,
): Promise<S3FaultProxy> {
  const proxy: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    const failure = fault(url);
    const error = (status: number, code: string) => {
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>x</Message></Error>`,
      );
    };
    if (failure === 'slowdown') return error(503, 'SlowDown');
    if (failure === 'denied') return error(403, 'AccessDenied');
    if (failure === 'bad-key') return error(403, 'InvalidAccessKeyId');
    if (failure === 'reset') return void req.socket.destroy();
    if (failure === 'hang') return; // accepted, never answered: a stuck proxy or VPC endpoint
    const forwarded = request(`${upstream}${url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    close: async () => {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}
