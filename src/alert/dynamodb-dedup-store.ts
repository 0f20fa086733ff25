/**
 * DedupStore over DynamoDB, so that replicas share match counts. One item per (key, window):
 * `UpdateItem ADD count :1` is atomic, so two replicas counting the same match at once get 1 and
 * 2, never 1 and 1. Items carry a TTL attribute (epoch seconds) and disappear after the window.
 *
 * A match with an identity (a Threshold rule's match, see DedupStore.increment) is added instead to
 * a string set of match hashes, as long as the set holds fewer than `upTo`: `ADD` to a set is
 * idempotent, so a reread line does not count twice, and the count is the set's size. Once the set
 * is full the condition fails and the count is `upTo` — the threshold is reached either way.
 *
 * Table: partition key `pk` (String), TTL enabled on `expiresAt` (docs/ingestion.md). The same
 * table can hold the delivery ledger: item keys are prefixed by kind.
 */
import { createHash } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { DedupStore, MatchIdentity } from './dedup-store.js';

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

/** 16 bytes of SHA-256, base64: a set of a thousand of them stays far below DynamoDB's item limit. */
function matchHash(id: string): string {
  return createHash('sha256').update(id).digest('base64').slice(0, 22);
}

export function dedupItemKey(key: string, windowStartMs: number): string {
  return `dedup#${createHash('sha256').update(key).digest('hex')}#${windowStartMs}`;
}

export class DynamoDbDedupStore implements DedupStore {
  private readonly ttlAttribute: string;

  constructor(private readonly options: DynamoDbDedupStoreOptions) {
    this.ttlAttribute = options.ttlAttribute ?? 'expiresAt';
  }

  async increment(
    key: string,
    windowStartMs: number,
    expiresAtMs: number,
    match?: MatchIdentity,
  ): Promise<number> {
    if (match !== undefined) return this.addMatch(key, windowStartMs, expiresAtMs, match);
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
        ProjectionExpression: '#count, #matches',
        ExpressionAttributeNames: { '#count': 'count', '#matches': 'matches' },
      }),
    );
    const item = response.Item;
    if (item === undefined) return 0;
    return Math.max(Number(item.count?.N ?? 0), item.matches?.SS?.length ?? 0);
  }

  private async addMatch(
    key: string,
    windowStartMs: number,
    expiresAtMs: number,
    match: MatchIdentity,
  ): Promise<number> {
    try {
      const response = await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { pk: { S: dedupItemKey(key, windowStartMs) } },
          ConditionExpression: 'attribute_not_exists(#matches) OR size(#matches) < :upTo',
          UpdateExpression:
            'ADD #matches :match SET #ttl = :ttl, #key = if_not_exists(#key, :key), #window = :window',
          ExpressionAttributeNames: {
            '#matches': 'matches',
            '#ttl': this.ttlAttribute,
            '#key': 'dedupKey',
            '#window': 'windowStartMs',
          },
          ExpressionAttributeValues: {
            ':match': { SS: [matchHash(match.id)] },
            ':upTo': { N: String(match.upTo) },
            ':ttl': { N: String(Math.ceil(expiresAtMs / 1000)) },
            ':key': { S: readableKey(key) },
            ':window': { N: String(windowStartMs) },
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const matches = response.Attributes?.matches?.SS;
      if (matches === undefined) {
        throw new Error(
          `DynamoDB table ${this.options.tableName} returned no matches for dedup key ${key.slice(0, 80)}`,
        );
      }
      return matches.length;
    } catch (err) {
      // The set already holds `upTo` matches: the threshold is reached.
      if (err instanceof ConditionalCheckFailedException) return match.upTo;
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.options.ownsClient) this.options.client.destroy();
  }
}
