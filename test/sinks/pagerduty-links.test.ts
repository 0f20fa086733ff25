import { describe, expect, it } from 'vitest';
import { MemoryDeliveryLedger } from '../../src/alert/ledger-memory.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { createSinks, Dispatcher, SinksSchema } from '../../src/sinks/index.js';
import { capturingLogger, makeAlert, startReceiver, closedAfterEach } from './helpers.js';

// PagerDuty renders each `links` entry as a clickable href: the built-in rules' Runbook is plain
// advice, not a URL, and as an href it would be a broken link (or one that PagerDuty refuses).

const { receivers, dispatchers } = closedAfterEach();

describe('PagerDuty links', () => {
  it('leaves out a runbook that is not an http(s) URL and keeps it in the details', async () => {
    const pd = await startReceiver(() => ({ status: 202, body: '{"status":"success"}' }));
    receivers.push(pd);
    const dispatcher = new Dispatcher({
      sinks: createSinks(
        SinksSchema.parse([
          { type: 'pagerduty', routingKey: 'R0UTINGKEY0123456789', url: `${pd.url}/v2/enqueue` },
        ]),
      ),
      ledger: new MemoryDeliveryLedger(),
      metrics: createMetrics(),
      logger: capturingLogger().logger,
    });
    dispatchers.push(dispatcher);
    const runbook = 'Add a condition on the S3 bucket policy that denies access via http.';
    const alert = makeAlert({ runbook, reference: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/' });

    expect((await dispatcher.dispatch(alert)).sinks).toEqual({ pagerduty: 'delivered' });

    const body = JSON.parse(pd.requests[0]!.body);
    expect(body.links).toEqual([{ href: alert.reference, text: 'Reference' }]);
    expect(body.payload.custom_details.runbook).toBe(runbook);
  });
});
