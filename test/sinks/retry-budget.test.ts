import { describe, expect, it } from 'vitest';
import { MemoryDeliveryLedger } from '../../src/alert/ledger-memory.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { createSinks, Dispatcher, SinksSchema, type RetryPolicy } from '../../src/sinks/index.js';
import { capturingLogger, makeAlert, startReceiver, type Receiver, closedAfterEach } from './helpers.js';

// How many requests a failing destination gets, counted where they land: a dispatch must not
// hold its alert (and the message behind it) longer than its retry budget allows.

const { receivers, dispatchers } = closedAfterEach();

async function downDestination(headers?: Record<string, string>): Promise<Receiver> {
  const r = await startReceiver(() => ({ status: 503, body: 'down', headers }));
  receivers.push(r);
  return r;
}

function setup(url: string, retry: Partial<RetryPolicy>) {
  const dispatcher = new Dispatcher({
    sinks: createSinks(SinksSchema.parse([{ type: 'webhook', name: 'siem', url }])),
    ledger: new MemoryDeliveryLedger(),
    metrics: createMetrics(),
    logger: capturingLogger().logger,
    retry,
  });
  dispatchers.push(dispatcher);
  return dispatcher;
}

describe('retry budget', () => {
  // Once one alert has spent its retries, the destination is known to be down: the next alert
  // gets one attempt (a probe), not a whole retry budget of its own.
  it('makes exactly one request for the next alert once the sink is in outage mode', async () => {
    const siem = await downDestination();
    const dispatcher = setup(`${siem.url}/hooks/in`, {
      initialBackoffMs: 20,
      maxBackoffMs: 50,
      maxAttempts: 3,
      maxRetryMs: 10_000,
    });

    expect((await dispatcher.dispatch(makeAlert())).sinks).toEqual({ siem: 'failed-retryable' });
    expect(siem.requests).toHaveLength(3);

    expect((await dispatcher.dispatch(makeAlert())).sinks).toEqual({ siem: 'failed-retryable' });
    expect(siem.requests).toHaveLength(4);
  });

  // A Retry-After beyond maxRetryMs: waiting it out would hold the alert past the budget, so the
  // dispatch gives up now and leaves the alert to its redelivery.
  it('schedules no retry whose wait would end past maxRetryMs', async () => {
    const siem = await downDestination({ 'retry-after': '3' });
    const dispatcher = setup(`${siem.url}/hooks/in`, {
      initialBackoffMs: 20,
      maxBackoffMs: 50,
      maxAttempts: 5,
      maxRetryMs: 1_000,
    });

    const outcome = await dispatcher.dispatch(makeAlert());

    expect(outcome).toMatchObject({ sinks: { siem: 'failed-retryable' }, settled: false });
    expect(siem.requests).toHaveLength(1);
  });
});
