/**
 * DedupStore over DynamoDB, so that replicas share match counts. One item per (key, window):
 * `UpdateItem ADD count :1` is atomic, so two replicas counting the same match at once get 1 and
 * 2, never 1 and 1. Items carry a TTL attribute (epoch seconds) and disappear after the window.
 *
 * Every match counts, even one whose line was counted before (DedupStore.increment's `match` is not
 * used): a set of match ids on the item would make every write cost grow with the set, and a
 * rolling upgrade would mix counters of both kinds. A log object read again therefore counts its
 * matches again, and a Threshold may be reached early after a redelivery.
 *
 * Table: partition key `pk` (String), TTL enabled on `expiresAt` (docs/ingestion.md). The same
 * table can hold the delivery ledger: item keys are prefixed by kind.
 */
import { createHash } from 'node:crypto';
import { GetItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DedupStore } from './dedup-store.js';

export interface DynamoDbDedupStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Name of the TTL attribute (epoch seconds); default `expiresAt`. */
  ttlAttribute?: string;
  /** Whether close() destroys the client; default false (the caller owns it). */
  ownsClient?: boolean;
}

// Keys can reach a 1000-character dedup string; partition keys allow 2048 bytes. Hashing keeps
// every key short and uniform; the readable key is stored beside it for whoever looks at the table.
const READABLE_KEY_CHARS = 512;

/** The start of `key` for people reading the table, never ending in half a surrogate pair. */
function readableKey(key: string): string {
  const end = Math.min(key.length, READABLE_KEY_CHARS);
  const last = key.charCodeAt(end - 1);
  return key.slice(0, last >= 0xd800 && last <= 0xdbff ? end - 1 : end);
}

export function dedupItemKey(key: string, windowStartMs: number): string {
  return `dedup#${createHash('sha256').update(key).digest('hex')}#${windowStartMs}`;
}

export class DynamoDbDedupStore implements DedupStore {
  private readonly ttlAttribute: string;

  constructor(private readonly options: DynamoDbDedupStoreOptions) {
    this.ttlAttribute = options.ttlAttribute ?? 'expiresAt';
  }

  // Counts every match, identity or not (see the class comment).
  async increment(key: string, windowStartMs: number, expiresAtMs: number): Promise<number> {
    const response = await this.options.client.send(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: { pk: { S: dedupItemKey(key, windowStartMs) } },
        UpdateExpression:
          'ADD #count :one SET #ttl = :ttl, #key = if_not_exists(#key, :key), #window = :window',
        ExpressionAttributeNames: {
          '#count': 'count',
          '#ttl': this.ttlAttribute,
          '#key': 'dedupKey',
          '#window': 'windowStartMs',
        },
        ExpressionAttributeValues: {
          ':one': { N: '1' },
          ':ttl': { N: String(Math.ceil(expiresAtMs / 1000)) },
          ':key': { S: readableKey(key) },
          ':window': { N: String(windowStartMs) },
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const count = Number(response.Attributes?.count?.N);
    if (!Number.isInteger(count)) {
      throw new Error(
        `DynamoDB table ${this.options.tableName} returned no count for dedup key ${key.slice(0, 80)}`,
      );
    }
    return count;
  }

  async count(key: string, windowStartMs: number): Promise<number> {
    const response = await this.options.client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: { pk: { S: dedupItemKey(key, windowStartMs) } },
        ConsistentRead: true,
        ProjectionExpression: '#count',
        ExpressionAttributeNames: { '#count': 'count' },
      }),
    );
    return Number(response.Item?.count?.N ?? 0);
  }

  async close(): Promise<void> {
    if (this.options.ownsClient) this.options.client.destroy();
  }
}
