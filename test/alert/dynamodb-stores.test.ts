import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbDedupStore, dedupItemKey } from '../../src/alert/dynamodb-dedup-store.js';
import { DynamoDbLedger, ledgerItemKey } from '../../src/alert/dynamodb-ledger.js';
import { startDynalite, type DynaliteHarness } from '../helpers/dynalite.js';

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

  it('accepts a 1000-character dedup string', async () => {
    const tableName = await dynalite.createTable();
    const store = new DynamoDbDedupStore({ client: dynalite.client, tableName });
    expect(await store.increment('x'.repeat(1000), WINDOW, EXPIRES)).toBe(1);
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
