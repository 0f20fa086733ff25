import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../src/alert/dynamodb-ledger.js';
import { MemoryDeliveryLedger } from '../../src/alert/ledger-memory.js';
import type { DeliveryLedger } from '../../src/alert/ledger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { createSinks, Dispatcher, SinksSchema } from '../../src/sinks/index.js';
import { startDynalite, type DynaliteHarness } from '../helpers/dynalite.js';
import { capturingLogger, makeAlert, startReceiver, closedAfterEach } from './helpers.js';

// When a part the dispatcher consults breaks, it must send the alert anyway: a duplicate can be
// dismissed, a lost alert cannot be noticed.

let dynalite: DynaliteHarness;
const { receivers, dispatchers } = closedAfterEach();
beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  await dynalite?.stop();
});

async function setup(sinks: unknown[], ledger: DeliveryLedger) {
  const hook = await startReceiver(() => ({ status: 200, body: 'ok' }));
  receivers.push(hook);
  const capture = capturingLogger();
  const withUrls = sinks.map((sink) => ({ ...(sink as object), url: `${hook.url}/hooks/in` }));
  const dispatcher = new Dispatcher({
    sinks: createSinks(SinksSchema.parse(withUrls)),
    ledger,
    metrics: createMetrics(),
    logger: capture.logger,
    retry: { initialBackoffMs: 20, maxBackoffMs: 50, maxAttempts: 2, maxRetryMs: 5_000 },
  });
  dispatchers.push(dispatcher);
  return { dispatcher, hook, logText: capture.text };
}

describe('dispatch when a part it consults fails', () => {
  // A DynamoDB ledger whose table is gone (deleted, wrong region) fails every read: without the
  // ledger's answer the alert must be sent, never taken as already delivered.
  it('delivers when the delivery ledger cannot be read', async () => {
    const ledger = new DynamoDbLedger({ client: dynalite.client, tableName: 'no-such-ledger-table' });
    const { dispatcher, hook, logText } = await setup([{ type: 'webhook', name: 'hook' }], ledger);

    const outcome = await dispatcher.dispatch(makeAlert());

    expect(outcome.sinks).toEqual({ hook: 'delivered' });
    expect(hook.requests).toHaveLength(1);
    expect(logText()).toContain('delivery ledger read failed');
  });

  // A routing filter that throws (here on an alert whose tags are not a list) is a bug of ours;
  // the alert must still reach the sink rather than be dropped silently.
  it('sends the alert when a sink filter throws', async () => {
    const { dispatcher, hook, logText } = await setup(
      [{ type: 'webhook', name: 'hook', tags: ['PCI'] }],
      new MemoryDeliveryLedger(),
    );
    const alert = makeAlert({ tags: null as unknown as string[] });

    const outcome = await dispatcher.dispatch(alert);

    expect(outcome).toEqual({ alertId: alert.alertId, sinks: { hook: 'delivered' }, settled: true });
    expect(hook.requests).toHaveLength(1);
    expect(logText()).toContain('sink filter threw; sending anyway');
  });
});
