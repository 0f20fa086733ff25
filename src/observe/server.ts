/**
 * The daemon's HTTP endpoints: `/healthz` (200 while the process is alive), `/readyz` (200 only
 * when the supplied readiness check says polling and sinks are healthy, 503 otherwise, with the
 * reasons), `/metrics` (Prometheus text from the metrics registry). Nothing else is served.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

export interface Readiness {
  ready: boolean;
  /** Per component, e.g. `{ sqs: 'polling', slack: 'failing: 3 retries' }`; shown by /readyz. */
  checks?: Record<string, string>;
}

export interface ObserveServerOptions {
  /** 0 picks a free port (see `start()`'s result). */
  port: number;
  /** Default `0.0.0.0` so that orchestrators can probe the container. */
  host?: string;
  metrics: Pick<Metrics, 'registry'>;
  logger: Logger;
  /** Called on every /readyz; a throw or rejection counts as not ready. */
  readiness: () => Readiness | Promise<Readiness>;
}

export class ObserveServer {
  private server: Server | undefined;

  constructor(private readonly options: ObserveServerOptions) {}

  /** Listens; resolves with the bound port. */
  async start(): Promise<{ port: number }> {
    if (this.server) throw new Error('observe server already started');
    const server = createServer((req, res) => void this.route(req, res));
    // Probes keep connections open; do not let them hold the process at shutdown.
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // No host: every interface, IPv6 and IPv4 alike (Node's default), so probes work in either.
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const { port } = server.address() as AddressInfo;
    this.options.logger.info({ port }, 'health and metrics server listening');
    return { port };
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // On Node 20, close() also stops the timers that drop a client that never finishes its request:
    // one half-open probe would hold the stop forever. Probes and scrapes lose nothing by this.
    server.closeAllConnections();
    await closed;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'text/plain', 'method not allowed\n');
    try {
      switch (path) {
        case '/healthz':
          return send(res, 200, 'text/plain', 'ok\n');
        case '/readyz':
          return await this.readyz(res);
        case '/metrics':
          return send(
            res,
            200,
            this.options.metrics.registry.contentType,
            await this.options.metrics.registry.metrics(),
          );
        default:
          return send(res, 404, 'text/plain', 'not found\n');
      }
    } catch (err) {
      this.options.logger.error({ err, path }, 'health/metrics endpoint failed');
      return send(res, 500, 'text/plain', 'internal error\n');
    }
  }

  private async readyz(res: ServerResponse): Promise<void> {
    let readiness: Readiness;
    try {
      readiness = await this.options.readiness();
    } catch (err) {
      readiness = {
        ready: false,
        checks: { readiness: `check failed: ${err instanceof Error ? err.message : String(err)}` },
      };
    }
    const body = `${JSON.stringify({ ready: readiness.ready, checks: readiness.checks ?? {} })}\n`;
    send(res, readiness.ready ? 200 : 503, 'application/json', body);
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}
