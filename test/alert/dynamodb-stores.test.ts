import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbDedupStore, dedupItemKey } from '../../src/alert/dynamodb-dedup-store.js';
import { DynamoDbLedger, ledgerItemKey } from '../../src/alert/dynamodb-ledger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { createSinks, Dispatcher, SinksSchema } from '../../src/sinks/index.js';
import { startDynalite, type DynaliteHarness } from '../helpers/dynalite.js';
import { capturingLogger, makeAlert, startReceiver } from '../sinks/helpers.js';

let dynalite: DynaliteHarness;
beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  await dynalite.stop();
});

const WINDOW = Date.parse('2024-05-01T12:00:00Z');
const EXPIRES = WINDOW + 2 * 3600_000;

describe('DynamoDbDedupStore against dynalite', () => {
  it('counts atomically across two store instances (two replicas)', async () => {
    const tableName = await dynalite.createTable();
    const a = new DynamoDbDedupStore({
      client: new DynamoDBClient(dynalite.clientConfig),
      tableName,
      ownsClient: true,
    });
    const b = new DynamoDbDedupStore({
      client: new DynamoDBClient(dynalite.clientConfig),
      tableName,
      ownsClient: true,
    });
    const counts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).increment('rule-1:Insecure access', WINDOW, EXPIRES),
      ),
    );
    expect([...counts].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await Promise.all([a.close(), b.close()]);
  });

  it('keeps windows and keys apart, and writes the TTL in epoch seconds', async () => {
    const tableName = await dynalite.createTable();
    const store = new DynamoDbDedupStore({ client: dynalite.client, tableName });
    expect(await store.increment('k', WINDOW, EXPIRES)).toBe(1);
    expect(await store.increment('k', WINDOW + 3600_000, EXPIRES)).toBe(1);
    expect(await store.increment('other', WINDOW, EXPIRES)).toBe(1);
    expect(await store.increment('k', WINDOW, EXPIRES)).toBe(2);
    const item = await dynalite.client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: dedupItemKey('k', WINDOW) } } }),
    );
    expect(item.Item?.expiresAt?.N).toBe(String(EXPIRES / 1000));
    expect(item.Item?.dedupKey?.S).toBe('k');
  });

  it('reads a count without counting', async () => {
    const tableName = await dynalite.createTable();
    const store = new DynamoDbDedupStore({ client: dynalite.client, tableName });
    expect(await store.count('k', WINDOW)).toBe(0);
    await store.increment('k', WINDOW, EXPIRES);
    await store.increment('k', WINDOW, EXPIRES);
    expect(await store.count('k', WINDOW)).toBe(2);
    expect(await store.count('k', WINDOW)).toBe(2);
  });

  it('accepts a 1000-character dedup string', async () => {
    const tableName = await dynalite.createTable();
    const store = new DynamoDbDedupStore({ client: dynalite.client, tableName });
    expect(await store.increment('x'.repeat(1000), WINDOW, EXPIRES)).toBe(1);
  });

  it('keeps the readable copy of a long key whole at the cut (no half emoji)', async () => {
    const tableName = await dynalite.createTable();
    const store = new DynamoDbDedupStore({ client: dynalite.client, tableName });
    const key = `${'x'.repeat(511)}😀 and more`; // the emoji straddles the 512-character cut
    await store.increment(key, WINDOW, EXPIRES);
    const item = await dynalite.client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: dedupItemKey(key, WINDOW) } } }),
    );
    expect(item.Item?.dedupKey?.S).toBe('x'.repeat(511));
  });

  // A redelivered object, or two replicas reading one object, must not bring a Threshold forward.
  it('counts a match once below its threshold, from any replica; past it, or above 100, every read', async () => {
    const tableName = await dynalite.createTable();
    const [a, b] = [0, 1].map(() => new DynamoDbDedupStore({ client: dynalite.client, tableName }));
    const match = (n: number, upTo = 3) => ({ id: `t:650:line${n}`, upTo });
    expect(await a!.increment('k', WINDOW, EXPIRES, match(1))).toBe(1);
    expect(await b!.increment('k', WINDOW, EXPIRES, match(1))).toBe(1); // the same line again
    expect(await a!.increment('k', WINDOW, EXPIRES, match(2))).toBe(2);
    expect(await b!.increment('k', WINDOW, EXPIRES, match(2))).toBe(2);
    expect(await b!.increment('k', WINDOW, EXPIRES, match(3))).toBe(3); // reaches the threshold
    // Past it the ids are no longer kept (the item stays small): every read counts, as before.
    expect(await a!.increment('k', WINDOW, EXPIRES, match(3))).toBe(4);
    expect(await a!.increment('k', WINDOW, EXPIRES, match(4))).toBe(5);
    const item = await dynalite.client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: dedupItemKey('k', WINDOW) } } }),
    );
    expect(item.Item?.matchIds?.SS?.sort()).toEqual(['t:650:line1', 't:650:line2', 't:650:line3']);
    // A long id (a file path and line) is kept as a short digest, still once per line.
    const long = { id: `file\u0000/${'d/'.repeat(100)}a.log\u00007`, upTo: 5 };
    expect(await a!.increment('long', WINDOW, EXPIRES, long)).toBe(1);
    expect(await b!.increment('long', WINDOW, EXPIRES, long)).toBe(1);
    // A threshold above 100 keeps no ids: every read counts.
    expect(await a!.increment('high', WINDOW, EXPIRES, match(1, 101))).toBe(1);
    expect(await a!.increment('high', WINDOW, EXPIRES, match(1, 101))).toBe(2);
  });

  // DynamoDB returns the item with a refused conditional write: no second request for the count.
  // (dynalite does not, so the read that replaces it is what the test above runs.)
  it('takes the count of a refused write from the refusal when it carries the item', async () => {
    const sent: string[] = [];
    const client = {
      send: async (command: object) => {
        sent.push(command.constructor.name);
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: { count: { N: '2' } },
        });
      },
    } as unknown as DynamoDBClient;
    const store = new DynamoDbDedupStore({ client, tableName: 't' });
    expect(await store.increment('k', WINDOW, EXPIRES, { id: 't:1:a', upTo: 3 })).toBe(2);
    expect(sent).toEqual(['UpdateItemCommand']);
  });

  it('rejects with the table name when the table does not exist', async () => {
    const store = new DynamoDbDedupStore({ client: dynalite.client, tableName: 'no-such-table' });
    await expect(store.increment('k', WINDOW, EXPIRES)).rejects.toThrow(
      /not found|ResourceNotFound|non-existent/i,
    );
  });
});

describe('DynamoDbLedger against dynalite', () => {
  it('records survive a new ledger instance (a restart) and are per sink', async () => {
    const tableName = await dynalite.createTable();
    const first = new DynamoDbLedger({
      client: new DynamoDBClient(dynalite.clientConfig),
      tableName,
      ownsClient: true,
    });
    await first.record('alert-1', 'slack', 'delivered');
    await first.record('alert-1', 'pagerduty', 'failed-permanent');
    await first.close();

    const second = new DynamoDbLedger({
      client: new DynamoDBClient(dynalite.clientConfig),
      tableName,
      ownsClient: true,
    });
    expect(await second.get('alert-1', 'slack')).toBe('delivered');
    expect(await second.get('alert-1', 'pagerduty')).toBe('failed-permanent');
    expect(await second.get('alert-1', 'webhook')).toBeUndefined();
    expect(await second.get('alert-2', 'slack')).toBeUndefined();
    await second.close();
  });

  it('overwrites a state and sets the TTL from the retention', async () => {
    const tableName = await dynalite.createTable();
    const now = Date.parse('2024-05-01T00:00:00Z');
    const ledger = new DynamoDbLedger({
      client: dynalite.client,
      tableName,
      retentionSeconds: 60,
      now: () => now,
    });
    await ledger.record('a', 's', 'failed-permanent');
    await ledger.record('a', 's', 'delivered');
    expect(await ledger.get('a', 's')).toBe('delivered');
    const item = await dynalite.client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: ledgerItemKey('a', 's') } } }),
    );
    expect(item.Item?.expiresAt?.N).toBe(String(now / 1000 + 60));
  });
});

describe('delivery claims shared by replicas (DynamoDbLedger)', () => {
  it('lets one holder send at a time, until it records, releases, or its lease runs out', async () => {
    const tableName = await dynalite.createTable();
    let now = Date.parse('2024-05-01T00:00:00Z');
    const replica = () => new DynamoDbLedger({ client: dynalite.client, tableName, now: () => now });
    const [a, b] = [replica(), replica()];

    expect(await a.claim('alert', 'slack', 'A', 60_000)).toBe('claimed');
    expect(await b.claim('alert', 'slack', 'B', 60_000)).toBe('busy');
    expect(await a.claim('alert', 'slack', 'A', 60_000)).toBe('claimed'); // a holder may renew
    expect(await b.get('alert', 'slack')).toBeUndefined(); // sending is not delivered

    await a.release('alert', 'slack', 'A');
    expect(await b.claim('alert', 'slack', 'B', 60_000)).toBe('claimed');
    now += 60_001; // B dies holding it: the lease runs out
    expect(await a.claim('alert', 'slack', 'A', 60_000)).toBe('taken-over'); // B may have sent it
    expect(await a.claim('alert', 'slack', 'A', 60_000)).toBe('claimed'); // A's own renewal
    await b.release('alert', 'slack', 'B'); // too late: no longer B's to give back
    expect(await b.claim('alert', 'slack', 'B', 60_000)).toBe('busy');

    await a.record('alert', 'slack', 'delivered');
    expect(await b.claim('alert', 'slack', 'B', 60_000)).toBe('delivered');
    expect(await b.claim('alert', 'pagerduty', 'B', 60_000)).toBe('claimed'); // per sink
  });

  it('sends an alert two replicas opened at once only once, though the destination is down a while', async () => {
    const tableName = await dynalite.createTable();
    const downUntil = Date.now() + 1_000;
    const receiver = await startReceiver(() =>
      Date.now() < downUntil ? { status: 503 } : { status: 200, body: 'ok' },
    );
    const replica = () =>
      new Dispatcher({
        sinks: createSinks(SinksSchema.parse([{ type: 'webhook', name: 'hook', url: `${receiver.url}/in` }])),
        ledger: new DynamoDbLedger({ client: dynalite.client, tableName }),
        metrics: createMetrics(),
        logger: capturingLogger().logger,
        retry: { initialBackoffMs: 50, maxBackoffMs: 200, maxRetryMs: 20_000, maxAttempts: 100 },
      });
    const [a, b] = [replica(), replica()];
    const alert = makeAlert();
    try {
      const first = a.dispatch(alert);
      await new Promise((resolve) => setTimeout(resolve, 200)); // B opens it while A is retrying
      // A holds it: B waits on A's claim and finds it delivered.
      expect((await b.dispatch(alert)).sinks).toEqual({ hook: 'skipped-already-delivered' });
      expect((await first).sinks).toEqual({ hook: 'delivered' });
      const delivered = receiver.requests.filter((request) => request.at >= downUntil);
      expect(delivered).toHaveLength(1);
    } finally {
      await Promise.all([a.close(), b.close(), receiver.close()]);
    }
  });

  // A replica killed between the destination's 2xx and its ledger write leaves a lapsing claim; no
  // ledger can tell whether the destination has the alert. The next sender says so.
  it('sends an alert whose previous sender died holding its claim, and warns that it may repeat', async () => {
    const tableName = await dynalite.createTable();
    const receiver = await startReceiver(() => ({ status: 200, body: 'ok' }));
    const alert = makeAlert();
    const dead = new DynamoDbLedger({ client: dynalite.client, tableName });
    expect(await dead.claim(alert.alertId, 'hook', 'dead-replica', 300)).toBe('claimed'); // then killed
    const logs = capturingLogger();
    const survivor = new Dispatcher({
      sinks: createSinks(SinksSchema.parse([{ type: 'webhook', name: 'hook', url: `${receiver.url}/in` }])),
      ledger: new DynamoDbLedger({ client: dynalite.client, tableName }),
      metrics: createMetrics(),
      logger: logs.logger,
      claimLeaseMs: 300,
    });
    try {
      expect((await survivor.dispatch(alert)).sinks).toEqual({ hook: 'delivered' });
      expect(receiver.requests).toHaveLength(1);
      expect(logs.text()).toContain('previous sender stopped mid-delivery');
      expect(logs.text()).toContain(alert.alertId);
    } finally {
      await Promise.all([survivor.close(), receiver.close()]);
    }
  });
});
