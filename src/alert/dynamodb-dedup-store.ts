/**
 * DedupStore over DynamoDB, so that replicas share match counts. One item per (key, window):
 * `UpdateItem ADD count :1` is atomic, so two replicas counting the same match at once get 1 and
 * 2, never 1 and 1. Items carry a TTL attribute (epoch seconds) and disappear after the window.
 *
 * Below a Threshold of up to MAX_TRACKED_THRESHOLD, a match is counted once however often its line
 * is read (a redelivery, a replica reading the same object): the item keeps the ids of the matches
 * it counted (DedupStore.increment's `match`), and a conditional write refuses one it holds. The
 * set stops growing at the threshold, so an item stays a few kilobytes; past the threshold, and for
 * higher thresholds, every read counts (a Threshold may then be reached early after a redelivery).
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

/**
 * Thresholds up to this keep their match ids on the item: about 25 bytes an id, so at most a few
 * kilobytes (DynamoDB bills writes per kilobyte of item, and caps items at 400 KB).
 */
export const MAX_TRACKED_THRESHOLD = 100;

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

/**
 * A match id as the item keeps it: short ids (a line hash, `t:…`) as they are, longer ones (a file
 * path and line) as a 22-character digest, so that an item's ids stay small.
 */
function storedId(id: string): string {
  return id.length <= 32 ? id : createHash('sha256').update(id).digest('base64url').slice(0, 22);
}

export function dedupItemKey(key: string, windowStartMs: number): string {
  return `dedup#${createHash('sha256').update(key).digest('hex')}#${windowStartMs}`;
}

export class DynamoDbDedupStore implements DedupStore {
  private readonly ttlAttribute: string;

  constructor(private readonly options: DynamoDbDedupStoreOptions) {
    this.ttlAttribute = options.ttlAttribute ?? 'expiresAt';
  }

  readonly countsMatchesOnce = true;

  async increment(
    key: string,
    windowStartMs: number,
    expiresAtMs: number,
    match?: MatchIdentity,
  ): Promise<number> {
    if (match === undefined || match.upTo > MAX_TRACKED_THRESHOLD) {
      return this.add(key, windowStartMs, expiresAtMs);
    }
    let count: number;
    try {
      return await this.add(key, windowStartMs, expiresAtMs, match);
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      // The refusal carries the item (ReturnValuesOnConditionCheckFailure); an emulator's may not.
      const counted = Number(err.Item?.count?.N);
      count = Number.isInteger(counted) ? counted : await this.count(key, windowStartMs);
    }
    // Refused: this match was counted already, or the threshold is reached (ids no longer kept).
    return count >= match.upTo ? this.add(key, windowStartMs, expiresAtMs) : count;
  }

  /** ADD 1 to the counter; with `match`, only if the item does not hold its id and is below its threshold. */
  private async add(
    key: string,
    windowStartMs: number,
    expiresAtMs: number,
    match?: MatchIdentity,
  ): Promise<number> {
    const response = await this.options.client.send(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: { pk: { S: dedupItemKey(key, windowStartMs) } },
        UpdateExpression: `ADD #count :one${match ? ', #ids :id' : ''} SET #ttl = :ttl, #key = if_not_exists(#key, :key), #window = :window`,
        ...(match && {
          ConditionExpression:
            '(attribute_not_exists(#count) OR #count < :upTo) AND (attribute_not_exists(#ids) OR NOT contains(#ids, :idValue))',
        }),
        ExpressionAttributeNames: {
          '#count': 'count',
          '#ttl': this.ttlAttribute,
          '#key': 'dedupKey',
          '#window': 'windowStartMs',
          ...(match && { '#ids': 'matchIds' }),
        },
        ExpressionAttributeValues: {
          ':one': { N: '1' },
          ':ttl': { N: String(Math.ceil(expiresAtMs / 1000)) },
          ':key': { S: readableKey(key) },
          ':window': { N: String(windowStartMs) },
          ...(match && {
            ':id': { SS: [storedId(match.id)] },
            ':idValue': { S: storedId(match.id) },
            ':upTo': { N: String(match.upTo) },
          }),
        },
        ReturnValues: 'UPDATED_NEW',
        ...(match && { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const }),
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
