import { createServer } from 'node:net';

/**
 * A port nobody listens on right now on 127.0.0.1, for the daemon's /metrics server. The daemon is
 * a separate process, so the port has to be chosen here and written into its config.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port on 127.0.0.1'))));
    });
  });
}
