import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observe/metrics.js';
import { ObserveServer, type Readiness } from '../../src/observe/server.js';
import { captureLogger } from '../helpers/logs.js';

const servers: ObserveServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function start(
  readiness: () => Readiness | Promise<Readiness>,
  host: string | undefined = '127.0.0.1',
) {
  const metrics = createMetrics();
  const server = new ObserveServer({
    port: 0,
    host,
    metrics,
    logger: captureLogger().logger,
    readiness,
  });
  servers.push(server);
  const { port } = await server.start();
  return { metrics, server, port, base: `http://127.0.0.1:${port}` };
}

describe('ObserveServer', () => {
  it('stops at once though a client never finishes its request (a half-open probe)', async () => {
    const { server, port } = await start(() => ({ ready: true }));
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'); // no blank line: the request never ends
    socket.on('error', () => undefined);
    const stopped = await Promise.race([
      server.stop().then(() => 'stopped'),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2_000)),
    ]);
    socket.destroy();
    expect(stopped).toBe('stopped');
  });

  it('listens on every interface when no host is set', async () => {
    const { port } = await start(() => ({ ready: true }), undefined);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it('answers /healthz with 200 while alive, whatever readiness says', async () => {
    const { base } = await start(() => ({ ready: false }));
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok\n');
  });

  it('answers /readyz from the readiness function, with its checks', async () => {
    let state: Readiness = { ready: false, checks: { sqs: 'not polling yet' } };
    const { base } = await start(() => state);
    let res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ready: false, checks: { sqs: 'not polling yet' } });
    state = { ready: true, checks: { sqs: 'polling', slack: 'ok' } };
    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true, checks: { sqs: 'polling', slack: 'ok' } });
  });

  it('is not ready when the readiness function throws', async () => {
    const { base } = await start(async () => {
      throw new Error('sink registry gone');
    });
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      ready: false,
      checks: { readiness: 'check failed: sink registry gone' },
    });
  });

  it('serves the registry on /metrics in Prometheus text format', async () => {
    const { base, metrics } = await start(() => ({ ready: true }));
    metrics.messagesReceived.inc(3);
    metrics.messagesPoison.inc({ reason: 'not-json' });
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('s3_sentinel_sqs_messages_received_total 3');
    expect(text).toContain('s3_sentinel_sqs_messages_poison_total{reason="not-json"} 1');
  });

  it('404s unknown paths and 405s other methods', async () => {
    const { base } = await start(() => ({ ready: true }));
    expect((await fetch(`${base}/admin`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('stops listening on stop()', async () => {
    const { base } = await start(() => ({ ready: true }));
    await servers[0]?.stop();
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
