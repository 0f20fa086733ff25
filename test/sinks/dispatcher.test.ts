import { afterEach, describe, expect, it } from 'vitest';
import { MemoryDeliveryLedger } from '../../src/alert/ledger-memory.js';
import { createMetrics, type Metrics } from '../../src/observe/metrics.js';
import { createSinks, Dispatcher, SinksSchema, type RetryPolicy } from '../../src/sinks/index.js';
import { capturingLogger, makeAlert, sleep, startReceiver, type Receiver } from './helpers.js';

// Credentials the logs must never contain, whatever happens.
const SLACK_PATH = '/services/T0SENTINEL/B0SENTINEL/SlackSecretToken123';
const ROUTING_KEY = 'PagerDutyRoutingKeySecret0123456';
const WEBHOOK_PATH = '/hooks/WebhookSecretPath456';

const FAST_RETRY: Partial<RetryPolicy> = {
  initialBackoffMs: 20,
  maxBackoffMs: 100,
  maxRetryMs: 10_000,
  maxAttempts: 5,
};

let receivers: Receiver[] = [];
let dispatchers: Dispatcher[] = [];
let logs: { text: () => string }[] = [];

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

function setup(sinks: unknown[], options: { retry?: Partial<RetryPolicy>; requestTimeoutMs?: number } = {}) {
  const capture = capturingLogger();
  logs.push(capture);
  const metrics = createMetrics();
  const ledger = new MemoryDeliveryLedger();
  const dispatcher = new Dispatcher({
    sinks: createSinks(SinksSchema.parse(sinks)),
    ledger,
    metrics,
    logger: capture.logger,
    retry: options.retry ?? FAST_RETRY,
    requestTimeoutMs: options.requestTimeoutMs,
  });
  dispatchers.push(dispatcher);
  return { dispatcher, metrics, ledger, logText: capture.text };
}

async function deliveryCount(metrics: Metrics, labels: Record<string, string>): Promise<number> {
  const { values } = await metrics.deliveries.get();
  return values
    .filter((v) =>
      Object.entries(labels).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want),
    )
    .reduce((sum, v) => sum + v.value, 0);
}

afterEach(async () => {
  await Promise.all(dispatchers.map((d) => d.close()));
  await Promise.all(receivers.map((r) => r.close()));
  // No run of this suite may leak a credential into the logs.
  for (const log of logs) {
    const text = log.text();
    for (const secret of [
      'SlackSecretToken123',
      ROUTING_KEY,
      'WebhookSecretPath456',
      '/services/',
      '127.0.0.1:',
    ]) {
      expect(text).not.toContain(secret);
    }
  }
  receivers = [];
  dispatchers = [];
  logs = [];
});

describe('retries', () => {
  it('waits at least Retry-After after a 429, then delivers', async () => {
    const pd = await receiver((_req, i) =>
      i === 0
        ? { status: 429, headers: { 'retry-after': '2' }, body: '{"status":"throttle event"}' }
        : { status: 202 },
    );
    const { dispatcher } = setup([
      { type: 'pagerduty', routingKey: ROUTING_KEY, url: `${pd.url}/v2/enqueue` },
    ]);

    const outcome = await dispatcher.dispatch(makeAlert());

    expect(outcome.sinks).toEqual({ pagerduty: 'delivered' });
    expect(pd.requests).toHaveLength(2);
    const [first, second] = pd.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(2000);
  });

  it('delivers exactly once after two 500s, and not again on a second dispatch', async () => {
    const slack = await receiver((_req, i) =>
      i < 2 ? { status: 500, body: 'oops' } : { status: 200, body: 'ok' },
    );
    const { dispatcher, metrics } = setup([
      { type: 'slack', webhookUrl: `${slack.url}${SLACK_PATH}`, minIntervalMs: 0 },
    ]);
    const alert = makeAlert();

    expect(await dispatcher.dispatch(alert)).toEqual({
      alertId: alert.alertId,
      sinks: { slack: 'delivered' },
      settled: true,
    });
    expect(slack.requests).toHaveLength(3);
    expect(
      await deliveryCount(metrics, { sink: 'slack', outcome: 'retryable_error', status_class: '5xx' }),
    ).toBe(2);
    expect(await deliveryCount(metrics, { sink: 'slack', outcome: 'delivered' })).toBe(1);
    expect((await metrics.deliveryRetries.get()).values[0]?.value).toBe(2);

    expect((await dispatcher.dispatch(alert)).sinks).toEqual({ slack: 'skipped-already-delivered' });
    expect(slack.requests).toHaveLength(3);
  });

  it('does not retry a 400, logs the destination error once, and remembers the failure', async () => {
    const slack = await receiver(() => ({ status: 400, body: 'invalid_payload' }));
    const { dispatcher, logText, metrics } = setup([
      { type: 'slack', webhookUrl: `${slack.url}${SLACK_PATH}`, minIntervalMs: 0 },
    ]);
    const alert = makeAlert();

    const outcome = await dispatcher.dispatch(alert);
    await sleep(200);

    expect(outcome).toEqual({ alertId: alert.alertId, sinks: { slack: 'failed-permanent' }, settled: true });
    expect(slack.requests).toHaveLength(1);
    expect(logText().match(/invalid_payload/g)).toHaveLength(1);
    expect(
      await deliveryCount(metrics, { sink: 'slack', outcome: 'permanent_error', status_class: '4xx' }),
    ).toBe(1);
    // A redelivery does not hammer a destination that refused the alert.
    expect((await dispatcher.dispatch(alert)).sinks).toEqual({ slack: 'failed-permanent' });
    expect(slack.requests).toHaveLength(1);
    expect(dispatcher.healthy).toBe(true);
  });

  it('keeps credentials a destination echoes back in its error body out of the logs', async () => {
    // Receivers that quote the request in their error page, as many frameworks' 404 pages do.
    const echo = await receiver((request) => ({
      status: 404,
      body: `Cannot POST ${request.path} (auth ${String(request.headers.authorization)}, body ${request.body})`,
    }));
    const { dispatcher, logText } = setup([
      { type: 'slack', name: 'slack', webhookUrl: `${echo.url}${SLACK_PATH}`, minIntervalMs: 0 },
      {
        type: 'webhook',
        name: 'hook',
        url: `${echo.url}${WEBHOOK_PATH}?token=QueryTokenSecret789`,
        headers: { Authorization: 'Bearer HeaderTokenSecret321' },
      },
      { type: 'pagerduty', name: 'pd', routingKey: ROUTING_KEY, url: `${echo.url}/v2/enqueue` },
    ]);

    await dispatcher.dispatch(makeAlert());

    const text = logText();
    expect(text).toMatch(/Cannot POST \*\*\*\*/); // the error is still logged, credentials masked
    for (const secret of ['QueryTokenSecret789', 'HeaderTokenSecret321']) expect(text).not.toContain(secret);
  });

  it('masks short header values, decoded Basic passwords and JSON-escaped paths a receiver echoes', async () => {
    const echo = await receiver((request) => ({
      status: 400,
      body: JSON.stringify({
        path: request.path, // JSON escapes no slash, but PHP's json_encode does: `\/hooks\/…`
        escaped: request.path.replaceAll('/', '\\/'),
        key: request.headers['x-api-key'],
        basic: Buffer.from(String(request.headers.authorization).slice(6), 'base64').toString(),
      }),
    }));
    const { dispatcher, logText } = setup([
      {
        type: 'webhook',
        url: `${echo.url}/hooks/qwertzuiopasdfTOK3N`,
        headers: {
          'X-Api-Key': 'k3y42',
          Authorization: `Basic ${Buffer.from('svc:Pa55word!').toString('base64')}`,
        },
      },
    ]);
    await dispatcher.dispatch(makeAlert());
    const text = logText();
    expect(text).toContain('delivery failed permanently');
    for (const secret of ['k3y42', 'Pa55word!', 'qwertzuiopasdfTOK3N']) expect(text).not.toContain(secret);
  });

  it('masks echoes that change a secret: letter case, JSON or base64, a prefix, a word-like token', async () => {
    const echo = await receiver((request) => ({
      status: 401,
      body: JSON.stringify({
        upper: request.path.toUpperCase(),
        token: request.path.split('/').pop(),
        json: JSON.stringify(request.headers['x-api-key']),
        base64: Buffer.from(String(request.headers['x-api-key'])).toString('base64'),
        prefix: String(JSON.parse(request.body).routing_key ?? '').slice(0, 20),
      }),
    }));
    const { dispatcher, logText } = setup([
      {
        type: 'webhook',
        name: 'hook',
        url: `${echo.url}/hooks/abcdefghsecret`,
        headers: { 'X-Api-Key': 'key"with\\quotes-and-more' },
      },
      {
        type: 'pagerduty',
        name: 'pd',
        routingKey: 'R0UTINGKEYSECRET0123456789abcdef',
        url: `${echo.url}/v2/enqueue`,
      },
    ]);
    await dispatcher.dispatch(makeAlert());
    const text = logText();
    expect(text).toContain('delivery failed permanently');
    for (const secret of [
      'abcdefghsecret',
      'ABCDEFGHSECRET',
      'key\\"with',
      Buffer.from('key"with\\quotes-and-more').toString('base64').slice(0, 20),
      'R0UTINGKEYSECRET0123',
    ])
      expect(text).not.toContain(secret);
  });

  it('marks the sink unhealthy when Slack says the webhook is gone, and keeps the alert pending', async () => {
    let gone = true;
    const slack = await receiver(() =>
      gone ? { status: 404, body: 'no_service' } : { status: 200, body: 'ok' },
    );
    const { dispatcher } = setup([{ type: 'slack', webhookUrl: `${slack.url}${SLACK_PATH}` }]);
    const alert = makeAlert();

    const first = await dispatcher.dispatch(alert);
    // Not retried now (one request), but not settled: the SQS message comes back after the fix.
    expect(first).toMatchObject({ sinks: { slack: 'failed-retryable' }, settled: false });
    expect(slack.requests).toHaveLength(1);
    expect(dispatcher.healthy).toBe(false);
    expect(dispatcher.unhealthySinks).toEqual(['slack']); // named in /readyz

    gone = false; // the operator fixed the channel
    expect((await dispatcher.dispatch(alert)).sinks).toEqual({ slack: 'delivered' });
    expect(dispatcher.healthy).toBe(true);
  });

  it('remembers a 400 only in this process: the durable ledger records deliveries alone', async () => {
    const hook = await receiver(() => ({ status: 400, body: 'bad request' }));
    const { dispatcher, ledger } = setup([{ type: 'webhook', url: `${hook.url}${WEBHOOK_PATH}` }]);
    const alert = makeAlert();

    expect((await dispatcher.dispatch(alert)).sinks).toEqual({ webhook: 'failed-permanent' });
    expect((await dispatcher.dispatch(alert)).sinks).toEqual({ webhook: 'failed-permanent' });
    expect(hook.requests).toHaveLength(1);
    expect(await ledger.get(alert.alertId, 'webhook')).toBeUndefined();
  });

  it('times out a hung destination and retries it', async () => {
    const hook = await receiver((_req, i) => (i === 0 ? { status: 200, hang: true } : { status: 204 }));
    const { dispatcher, metrics } = setup([{ type: 'webhook', url: `${hook.url}${WEBHOOK_PATH}` }], {
      requestTimeoutMs: 300,
    });

    const outcome = await dispatcher.dispatch(makeAlert());

    expect(outcome.sinks).toEqual({ webhook: 'delivered' });
    expect(hook.requests).toHaveLength(2);
    // Arrival times, not send times: connection set-up can eat into the gap on a loaded machine.
    expect(hook.requests[1]!.at - hook.requests[0]!.at).toBeGreaterThanOrEqual(200);
    expect(await deliveryCount(metrics, { sink: 'webhook', status_class: 'timeout' })).toBe(1);
  });

  it('gives up with failed-retryable when the retry budget is spent', async () => {
    const hook = await receiver(() => ({ status: 503 }));
    const { dispatcher } = setup([{ type: 'webhook', url: `${hook.url}${WEBHOOK_PATH}` }], {
      retry: { ...FAST_RETRY, maxAttempts: 3 },
    });

    const outcome = await dispatcher.dispatch(makeAlert());

    expect(outcome.sinks).toEqual({ webhook: 'failed-retryable' });
    expect(outcome.settled).toBe(false);
    expect(hook.requests).toHaveLength(3);
  });

  it('says when fetch refuses the port itself', async () => {
    const { dispatcher, logText } = setup([{ type: 'webhook', url: 'http://127.0.0.1:6000/in' }], {
      retry: { ...FAST_RETRY, maxAttempts: 1 },
    });
    expect((await dispatcher.dispatch(makeAlert())).sinks).toEqual({ webhook: 'failed-retryable' });
    expect(logText()).toContain('network error: port blocked by fetch (bad port)');
  });

  it('retries network errors (nothing listening)', async () => {
    const gone = await startReceiver();
    await gone.close();
    const { dispatcher, metrics } = setup([{ type: 'webhook', url: `${gone.url}${WEBHOOK_PATH}` }], {
      retry: { ...FAST_RETRY, maxAttempts: 2 },
    });

    expect((await dispatcher.dispatch(makeAlert())).sinks).toEqual({ webhook: 'failed-retryable' });
    expect(await deliveryCount(metrics, { sink: 'webhook', status_class: 'network' })).toBe(2);
  });
});

describe('isolation and the delivery ledger', () => {
  // Each object waits for its alerts to settle: if every alert waited out its retries at a down
  // sink, reading (and delivery to the healthy sinks) would go at the down sink's pace.
  it('settles alerts for a down sink quickly once one ran out of retries, and recovers at once', async () => {
    let failing = true;
    const broken = await receiver(() => (failing ? { status: 503, body: 'down' } : { status: 200 }));
    const { dispatcher, logText } = setup(
      [{ type: 'webhook', name: 'siem', url: `${broken.url}${WEBHOOK_PATH}` }],
      {
        retry: { initialBackoffMs: 200, maxBackoffMs: 400, maxAttempts: 4, maxRetryMs: 10_000 },
      },
    );
    const started = Date.now();
    const first = await Promise.all(Array.from({ length: 40 }, () => dispatcher.dispatch(makeAlert())));
    expect(first.every((outcome) => outcome.sinks.siem === 'failed-retryable')).toBe(true);
    // One wave of full retries (about a second), then one attempt at a time; not ten waves.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(broken.requests.length).toBeLessThan(40);
    expect(logText()).toContain('destination is failing');

    failing = false;
    const second = await Promise.all(Array.from({ length: 40 }, () => dispatcher.dispatch(makeAlert())));
    expect(second.every((outcome) => outcome.sinks.siem === 'delivered')).toBe(true);
    expect(logText()).toContain('destination accepts alerts again');
  });

  // A destination that hangs costs a whole timeout per attempt: after the first wave of retries,
  // one attempt must settle everything queued behind it, not one batch per timeout.
  it('settles everything queued behind one attempt when the destination hangs', async () => {
    const hanging = await receiver(() => ({ status: 200, delayMs: 60_000 }));
    const { dispatcher } = setup([{ type: 'webhook', name: 'siem', url: `${hanging.url}${WEBHOOK_PATH}` }], {
      retry: { initialBackoffMs: 50, maxBackoffMs: 50, maxAttempts: 2, maxRetryMs: 10_000 },
      requestTimeoutMs: 300,
    });
    const outcomes = await Promise.all(Array.from({ length: 80 }, () => dispatcher.dispatch(makeAlert())));
    expect(outcomes.every((outcome) => outcome.sinks.siem === 'failed-retryable')).toBe(true);
    // A wave of two timed-out attempts per lane slot, one more attempt, done: not an attempt (and
    // a 300 ms timeout) for every batch of the 80 alerts.
    expect(hanging.requests.length).toBeLessThan(15);
  });

  it('a failing sink neither delays nor duplicates another, and is retried later without resending to the other', async () => {
    let failing = true;
    const broken = await receiver(() => (failing ? { status: 503, body: 'down' } : { status: 200 }));
    const pd = await receiver(() => ({ status: 202, body: '{"status":"success"}' }));
    const { dispatcher } = setup(
      [
        { type: 'webhook', name: 'siem', url: `${broken.url}${WEBHOOK_PATH}` },
        { type: 'pagerduty', routingKey: ROUTING_KEY, url: `${pd.url}/v2/enqueue` },
      ],
      { retry: { initialBackoffMs: 200, maxBackoffMs: 400, maxAttempts: 4, maxRetryMs: 10_000 } },
    );
    const alerts = [makeAlert(), makeAlert(), makeAlert()];

    const first = await Promise.all(alerts.map((a) => dispatcher.dispatch(a)));

    for (const outcome of first) {
      expect(outcome.sinks).toEqual({ siem: 'failed-retryable', pagerduty: 'delivered' });
      expect(outcome.settled).toBe(false);
    }
    // PagerDuty got every alert once, all before the broken sink's retries were over.
    const pdKeys = pd.requests.map((r) => JSON.parse(r.body).dedup_key as string);
    expect(pdKeys.sort()).toEqual(alerts.map((a) => a.alertId).sort());
    const lastBrokenAttempt = Math.max(...broken.requests.map((r) => r.at));
    for (const request of pd.requests) expect(request.at).toBeLessThan(lastBrokenAttempt);
    expect(broken.requests).toHaveLength(3 * 4);

    // The SQS message comes back: only the sink that failed is tried again.
    failing = false;
    const second = await Promise.all(alerts.map((a) => dispatcher.dispatch(a)));
    for (const outcome of second) {
      expect(outcome.sinks).toEqual({ siem: 'delivered', pagerduty: 'skipped-already-delivered' });
      expect(outcome.settled).toBe(true);
    }
    expect(pd.requests).toHaveLength(3);
    expect(broken.requests).toHaveLength(3 * 4 + 3);
  });

  it('delivers an alert dispatched twice at the same time once per sink', async () => {
    const hook = await receiver(() => ({ status: 200 }));
    const { dispatcher } = setup([{ type: 'webhook', url: `${hook.url}${WEBHOOK_PATH}` }]);
    const alert = makeAlert();

    const [a, b] = await Promise.all([dispatcher.dispatch(alert), dispatcher.dispatch(alert)]);

    expect(a.sinks).toEqual({ webhook: 'delivered' });
    expect(b.sinks).toEqual({ webhook: 'delivered' });
    expect(hook.requests).toHaveLength(1);
  });

  it('routes by minSeverity, rule id, tag and the rule’s destinations', async () => {
    const hook = await receiver(() => ({ status: 200 }));
    const url = `${hook.url}${WEBHOOK_PATH}`;
    const { dispatcher } = setup([
      { type: 'webhook', name: 'high', url, minSeverity: 'HIGH' },
      { type: 'webhook', name: 'rule', url, ruleIds: ['Rule.A'] },
      { type: 'webhook', name: 'tagged', url, tags: ['PCI'], excludeRuleIds: ['Rule.B'] },
    ]);

    const route = async (overrides: Parameters<typeof makeAlert>[0]) =>
      Object.keys((await dispatcher.dispatch(makeAlert(overrides))).sinks).sort();

    expect(await route({ severity: 'CRITICAL', ruleId: 'Rule.A', tags: ['PCI'] })).toEqual([
      'high',
      'rule',
      'tagged',
    ]);
    expect(await route({ severity: 'MEDIUM', ruleId: 'Rule.B', tags: ['PCI'] })).toEqual([]);
    expect(await route({ severity: 'LOW', ruleId: 'Rule.C', tags: ['pci', 'PCI'] })).toEqual(['tagged']);
    expect(await route({ severity: 'CRITICAL', ruleId: 'Rule.A', tags: [], destinations: ['rule'] })).toEqual(
      ['rule'],
    );
    expect((await dispatcher.dispatch(makeAlert({ severity: 'INFO', tags: [] }))).settled).toBe(true);
  });

  it('close() abandons a backoff at once and leaves the alert retryable', async () => {
    const hook = await receiver(() => ({ status: 500 }));
    const { dispatcher } = setup([{ type: 'webhook', url: `${hook.url}${WEBHOOK_PATH}` }], {
      retry: { initialBackoffMs: 30_000, maxBackoffMs: 30_000, maxAttempts: 5, maxRetryMs: 600_000 },
    });

    const pending = dispatcher.dispatch(makeAlert());
    while (hook.requests.length === 0) await sleep(10);
    const closing = Date.now();
    await dispatcher.close();

    expect((await pending).sinks).toEqual({ webhook: 'failed-retryable' });
    expect(Date.now() - closing).toBeLessThan(5000);
    expect((await dispatcher.dispatch(makeAlert())).sinks).toEqual({ webhook: 'failed-retryable' });
  });
});

describe('close() during deliveries', () => {
  // Cutting a sent request off does not unsend it: Slack may have posted it, and the redelivery of
  // its message would post it a second time.
  it('lets a request already sent finish', async () => {
    const hook = await receiver(() => ({ status: 200, delayMs: 400 }));
    const { dispatcher } = setup([{ type: 'webhook', url: `${hook.url}${WEBHOOK_PATH}` }]);
    const pending = dispatcher.dispatch(makeAlert());
    while (hook.requests.length === 0) await sleep(10);
    await dispatcher.close();
    expect((await pending).sinks).toEqual({ webhook: 'delivered' });
    expect(hook.requests).toHaveLength(1);
  });

  it('renews its delivery claim on a shared ledger while a delivery outlasts the lease', async () => {
    const hook = await receiver(() => ({ status: 200, delayMs: 1000 }));
    const memory = new MemoryDeliveryLedger();
    const claims: number[] = [];
    const shared = {
      get: memory.get.bind(memory),
      record: memory.record.bind(memory),
      close: memory.close.bind(memory),
      claim: async (_alertId: string, _sink: string, _holder: string, leaseMs: number) => {
        claims.push(leaseMs);
        return 'claimed' as const;
      },
    };
    const dispatcher = new Dispatcher({
      sinks: createSinks(SinksSchema.parse([{ type: 'webhook', url: `${hook.url}${WEBHOOK_PATH}` }])),
      ledger: shared,
      metrics: createMetrics(),
      logger: capturingLogger().logger,
      claimLeaseMs: 200,
    });
    dispatchers.push(dispatcher);
    expect((await dispatcher.dispatch(makeAlert())).sinks).toEqual({ webhook: 'delivered' });
    // The first claim, then one renewal every 100 ms of the 1 s request; none after it.
    expect(claims.length).toBeGreaterThanOrEqual(4);
    const after = claims.length;
    await sleep(300);
    expect(claims).toHaveLength(after);
  });

  // A replica that died holding a claim (or a scan cut short) must not cost the alert's message its
  // receives: handing the message back each time could send it to the dead-letter queue.
  it("waits on another replica's claim until it lapses or is delivered, and gives up on close", async () => {
    const hook = await receiver(() => ({ status: 200 }));
    const memory = new MemoryDeliveryLedger();
    let lapsesAt = Date.now() + 150; // the dead holder's lease
    const claimTimes: number[] = [];
    const shared = {
      get: memory.get.bind(memory),
      record: memory.record.bind(memory),
      close: memory.close.bind(memory),
      claim: async () => {
        claimTimes.push(Date.now());
        return Date.now() < lapsesAt ? ('busy' as const) : ('claimed' as const);
      },
    };
    const make = () => {
      const dispatcher = new Dispatcher({
        sinks: createSinks(SinksSchema.parse([{ type: 'webhook', url: `${hook.url}${WEBHOOK_PATH}` }])),
        ledger: shared,
        metrics: createMetrics(),
        logger: capturingLogger().logger,
        claimLeaseMs: 200, // polled every 50 ms
      });
      dispatchers.push(dispatcher);
      return dispatcher;
    };
    expect((await make().dispatch(makeAlert({ alertId: 'lapsing' }))).sinks).toEqual({
      webhook: 'delivered',
    });
    expect(hook.requests).toHaveLength(1);
    expect(claimTimes.length).toBeGreaterThanOrEqual(3);

    // A holder that keeps renewing: give up after a lease and a poll, for the message to come back.
    lapsesAt = Infinity;
    const started = Date.now();
    expect((await make().dispatch(makeAlert({ alertId: 'held' }))).sinks).toEqual({
      webhook: 'failed-retryable',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);

    const closing = make();
    const waiting = closing.dispatch(makeAlert({ alertId: 'held-at-close' }));
    await sleep(20);
    const closedAt = Date.now();
    await closing.close();
    expect((await waiting).sinks).toEqual({ webhook: 'failed-retryable' });
    expect(Date.now() - closedAt).toBeLessThan(100);
    expect(hook.requests).toHaveLength(1);
  });

  it('gives up at once on alerts still waiting for a paced lane', async () => {
    const slack = await receiver(() => ({ status: 200, body: 'ok', delayMs: 3000 }));
    const { dispatcher } = setup([
      { type: 'slack', webhookUrl: `${slack.url}${SLACK_PATH}`, minIntervalMs: 1000, maxAlertsPerMessage: 1 },
    ]);
    let firstDone = false;
    const first = dispatcher.dispatch(makeAlert({ alertId: 'paced-0' })).finally(() => (firstDone = true));
    const waiting = Array.from({ length: 5 }, (_, i) =>
      dispatcher.dispatch(makeAlert({ alertId: `paced-${i + 1}` })),
    );
    while (slack.requests.length === 0) await sleep(10);
    const closing = dispatcher.close();
    // The five behind the first settle while its request is still being answered: they do not
    // wait out the queue (one batch a second) first.
    const abandoned = (await Promise.all(waiting)).map((outcome) => outcome.sinks.slack);
    expect(firstDone).toBe(false);
    expect(abandoned).toEqual(Array<string>(5).fill('failed-retryable'));
    await closing;
    expect((await first).sinks).toEqual({ slack: 'delivered' });
    expect(slack.requests).toHaveLength(1);
  });

  // A renewal sent just before the delivery ends must not land after the release and take the
  // claim back for a whole lease.
  it('lets a renewal under way land before it gives the claim back', async () => {
    const hook = await receiver(() => ({ status: 400, delayMs: 80 }));
    const claims = new Map<string, string>();
    const shared = {
      get: async () => undefined,
      record: async () => undefined,
      close: async () => undefined,
      claim: async (alertId: string, _sink: string, holder: string) => {
        await sleep(60); // the conditional write lands a little after it is sent
        claims.set(alertId, holder);
        return 'claimed' as const;
      },
      release: async (alertId: string) => void claims.delete(alertId),
    };
    const dispatcher = new Dispatcher({
      sinks: createSinks(SinksSchema.parse([{ type: 'webhook', url: `${hook.url}${WEBHOOK_PATH}` }])),
      ledger: shared,
      metrics: createMetrics(),
      logger: capturingLogger().logger,
      claimLeaseMs: 100, // renewed every 50 ms, so one is always under way
    });
    dispatchers.push(dispatcher);
    expect((await dispatcher.dispatch(makeAlert())).sinks).toEqual({ webhook: 'failed-permanent' });
    await sleep(100);
    expect(claims.size).toBe(0);
  });
});

describe('Slack pacing', () => {
  it('sends the first alert at once and coalesces the ones that queue behind it into one digest', async () => {
    const slack = await receiver(() => ({ status: 200, body: 'ok' }));
    const { dispatcher } = setup([
      { type: 'slack', webhookUrl: `${slack.url}${SLACK_PATH}`, minIntervalMs: 400 },
    ]);
    const alerts = Array.from({ length: 10 }, (_, i) => makeAlert({ title: `Alert number ${i}` }));

    const outcomes = await Promise.all(alerts.map((a) => dispatcher.dispatch(a)));

    expect(outcomes.every((o) => o.sinks.slack === 'delivered')).toBe(true);
    expect(slack.requests).toHaveLength(2);
    const [single, digest] = slack.requests.map((r) => JSON.parse(r.body));
    expect(single.text).toContain('Alert number 0');
    expect(digest.text).toMatch(/^9 s3-sentinel alerts \(9 HIGH\)/);
    expect(digest.attachments[0].blocks.filter((b: { type: string }) => b.type === 'section')).toHaveLength(
      9,
    );
    expect(slack.requests[1]!.at - slack.requests[0]!.at).toBeGreaterThanOrEqual(350);
  });

  // Slack answers a burst with 429: the retry after it is a request too, and the next digest must
  // keep its distance from it, or it is refused in turn.
  it('keeps minIntervalMs between every two requests, a retry after a 429 included', async () => {
    const slack = await receiver((_request, index) =>
      index === 1
        ? { status: 429, body: 'rate_limited', headers: { 'retry-after': '0' } }
        : { status: 200, body: 'ok' },
    );
    const { dispatcher } = setup([
      {
        type: 'slack',
        webhookUrl: `${slack.url}${SLACK_PATH}`,
        minIntervalMs: 300,
        maxAlertsPerMessage: 1,
        retry: { initialBackoffMs: 1, maxBackoffMs: 2 },
      },
    ]);
    const outcomes = await Promise.all(
      Array.from({ length: 3 }, (_, i) => dispatcher.dispatch(makeAlert({ alertId: `paced-429-${i}` }))),
    );
    expect(outcomes.every((o) => o.sinks.slack === 'delivered')).toBe(true);
    expect(slack.requests).toHaveLength(4); // one alert, a refused one, its retry, the third
    const gaps = slack.requests.slice(1).map((r, i) => r.at - slack.requests[i]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(270); // timer slack
  });

  it('sends the alerts of a refused digest again one by one, so only the bad one is refused', async () => {
    // A real Slack webhook on 127.0.0.1 that rejects any message mentioning the bad alert.
    const slack = await receiver((request) =>
      request.body.includes('BAD ALERT')
        ? { status: 400, body: 'invalid_payload' }
        : { status: 200, body: 'ok' },
    );
    const { dispatcher } = setup([
      { type: 'slack', webhookUrl: `${slack.url}${SLACK_PATH}`, minIntervalMs: 50 },
    ]);
    const alerts = Array.from({ length: 6 }, (_, i) =>
      makeAlert({ title: i === 3 ? 'BAD ALERT' : `Alert ${i}` }),
    );

    const outcomes = await Promise.all(alerts.map((a) => dispatcher.dispatch(a)));

    expect(outcomes.map((o) => o.sinks.slack)).toEqual([
      'delivered',
      'delivered',
      'delivered',
      'failed-permanent',
      'delivered',
      'delivered',
    ]);
    // The first alert alone, the refused digest of five, then the five one by one.
    expect(slack.requests).toHaveLength(7);
  });

  it('keeps digests within maxAlertsPerMessage', async () => {
    const slack = await receiver(() => ({ status: 200, body: 'ok' }));
    const { dispatcher } = setup([
      { type: 'slack', webhookUrl: `${slack.url}${SLACK_PATH}`, minIntervalMs: 100, maxAlertsPerMessage: 4 },
    ]);

    await Promise.all(Array.from({ length: 9 }, () => dispatcher.dispatch(makeAlert())));

    const sizes = slack.requests.map((r) => {
      const text: string = JSON.parse(r.body).text;
      return /^(\d+) s3-sentinel alerts/.exec(text)?.[1] ?? '1';
    });
    expect(sizes).toEqual(['1', '4', '4']);
  });
});
