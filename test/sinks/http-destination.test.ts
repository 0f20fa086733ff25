import { describe, expect, it } from 'vitest';
import { MemoryDeliveryLedger } from '../../src/alert/ledger-memory.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { createSinks, Dispatcher, SinksSchema } from '../../src/sinks/index.js';
import { capturingLogger, makeAlert, startReceiver, type Receiver, closedAfterEach } from './helpers.js';

// What a misbehaving destination answers must neither move the alert elsewhere nor put the
// credentials it was sent with into our logs.

const { receivers, dispatchers } = closedAfterEach();

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

function setup(sinks: unknown[]) {
  const capture = capturingLogger();
  const dispatcher = new Dispatcher({
    sinks: createSinks(SinksSchema.parse(sinks)),
    ledger: new MemoryDeliveryLedger(),
    metrics: createMetrics(),
    logger: capture.logger,
    retry: { initialBackoffMs: 20, maxBackoffMs: 50, maxAttempts: 3, maxRetryMs: 5_000 },
  });
  dispatchers.push(dispatcher);
  return { dispatcher, logText: capture.text };
}

describe('HTTP destinations', () => {
  // A redirect would re-post the alert, and its Authorization header, to a host nobody configured.
  it('does not follow a redirect: nothing reaches its target and the send fails for good', async () => {
    const target = await receiver(() => ({ status: 200, body: 'ok' }));
    const redirector = await receiver(() => ({
      status: 307,
      headers: { location: `${target.url}/elsewhere` },
    }));
    const { dispatcher } = setup([
      {
        type: 'webhook',
        name: 'hook',
        url: `${redirector.url}/hooks/in`,
        headers: { Authorization: 'Bearer RedirectTokenSecret42' },
      },
    ]);

    const outcome = await dispatcher.dispatch(makeAlert());

    expect(outcome.sinks).toEqual({ hook: 'failed-permanent' });
    expect(redirector.requests).toHaveLength(1);
    expect(target.requests).toEqual([]);
  });

  // Receivers that reject a token often quote it back ("invalid token <token>"): the bare token,
  // without the `Bearer ` the header held, must be masked too.
  it('masks a bearer token a destination echoes on its own', async () => {
    const echo = await receiver((request) => ({
      status: 401,
      body: `invalid token ${String(request.headers.authorization).replace(/^Bearer /, '')}`,
    }));
    const { dispatcher, logText } = setup([
      {
        type: 'webhook',
        url: `${echo.url}/hooks/in`,
        headers: { Authorization: 'Bearer HeaderTokenSecret321' },
      },
    ]);

    expect((await dispatcher.dispatch(makeAlert())).sinks).toEqual({ webhook: 'failed-permanent' });

    expect(logText()).toContain('invalid token ****');
    expect(logText()).not.toContain('HeaderTokenSecret321');
  });

  // The same for Basic auth: a receiver that decodes it may quote only the password.
  it('masks a Basic password a destination echoes without its user name', async () => {
    const echo = await receiver((request) => {
      const decoded = Buffer.from(String(request.headers.authorization).slice(6), 'base64').toString();
      return { status: 401, body: `wrong password ${decoded.split(':')[1]} for this user` };
    });
    const { dispatcher, logText } = setup([
      {
        type: 'webhook',
        url: `${echo.url}/hooks/in`,
        headers: { Authorization: `Basic ${Buffer.from('svc:Pa55word!xyz').toString('base64')}` },
      },
    ]);

    expect((await dispatcher.dispatch(makeAlert())).sinks).toEqual({ webhook: 'failed-permanent' });

    expect(logText()).toContain('wrong password **** for this user');
    expect(logText()).not.toContain('Pa55word!xyz');
  });
});
