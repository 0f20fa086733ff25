/**
 * DeliveryLedger over DynamoDB: survives restarts and is shared by replicas, so a redelivered
 * SQS message never sends an alert twice to a sink that has it. Reads are strongly consistent: a
 * record written by one replica must be seen by the next read of any other.
 *
 * Table: partition key `pk` (String), TTL on `expiresAt` (see dynamodb-dedup-store.ts).
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { ClaimResult, DeliveryLedger, DeliveryState } from './ledger.js';

export interface DynamoDbLedgerOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Name of the TTL attribute (epoch seconds); default `expiresAt`. */
  ttlAttribute?: string;
  /**
   * How long a record is kept. It must outlive every redelivery of the message that produced the
   * alert: SQS keeps messages at most 14 days, so the default is 15 days.
   */
  retentionSeconds?: number;
  /** Whether close() destroys the client; default false (the caller owns it). */
  ownsClient?: boolean;
  /** Clock for the TTL; tests pass their own. */
  now?: () => number;
}

export const LEDGER_RETENTION_SECONDS_DEFAULT = 15 * 24 * 3600;

const STATES: ReadonlySet<string> = new Set<DeliveryState>(['delivered', 'failed-permanent']);
/** The state of a claimed record: a replica is sending the alert (see `claim`). */
const SENDING = 'sending';

export function ledgerItemKey(alertId: string, sink: string): string {
  return `ledger#${alertId}#${sink}`;
}

export class DynamoDbLedger implements DeliveryLedger {
  private readonly ttlAttribute: string;

  constructor(private readonly options: DynamoDbLedgerOptions) {
    this.ttlAttribute = options.ttlAttribute ?? 'expiresAt';
  }

  async get(alertId: string, sink: string): Promise<DeliveryState | undefined> {
    const response = await this.options.client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: { pk: { S: ledgerItemKey(alertId, sink) } },
        ConsistentRead: true,
        ProjectionExpression: '#state',
        ExpressionAttributeNames: { '#state': 'state' },
      }),
    );
    const state = response.Item?.state?.S;
    return state !== undefined && STATES.has(state) ? (state as DeliveryState) : undefined;
  }

  async record(alertId: string, sink: string, state: DeliveryState): Promise<void> {
    const nowMs = this.nowMs();
    await this.options.client.send(
      new PutItemCommand({
        TableName: this.options.tableName,
        Item: {
          pk: { S: ledgerItemKey(alertId, sink) },
          alertId: { S: alertId },
          sink: { S: sink },
          state: { S: state },
          recordedAt: { S: new Date(nowMs).toISOString() },
          [this.ttlAttribute]: { N: String(this.expiresAt(nowMs)) },
        },
      }),
    );
  }

  /**
   * One conditional write: the record becomes `sending` by `holder` until `now + leaseMs` unless it
   * is already delivered, or sending by another holder whose lease has not run out.
   */
  async claim(alertId: string, sink: string, holder: string, leaseMs: number): Promise<ClaimResult> {
    const nowMs = this.nowMs();
    try {
      const { Attributes: before } = await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { pk: { S: ledgerItemKey(alertId, sink) } },
          ReturnValues: 'UPDATED_OLD',
          ConditionExpression:
            'attribute_not_exists(#state) OR (#state = :sending AND (#holder = :holder OR #leaseUntil < :now))',
          UpdateExpression:
            'SET #state = :sending, #holder = :holder, #leaseUntil = :until, alertId = :alertId, sink = :sink, #ttl = :ttl',
          ExpressionAttributeNames: {
            '#state': 'state',
            '#holder': 'holder',
            '#leaseUntil': 'leaseUntil',
            '#ttl': this.ttlAttribute,
          },
          ExpressionAttributeValues: {
            ':sending': { S: SENDING },
            ':holder': { S: holder },
            ':now': { N: String(nowMs) },
            ':until': { N: String(nowMs + leaseMs) },
            ':alertId': { S: alertId },
            ':sink': { S: sink },
            ':ttl': { N: String(this.expiresAt(nowMs)) },
          },
        }),
      );
      // Another holder's lapsed claim: it stopped mid-delivery, perhaps after the destination
      // had the alert, and no ledger can tell.
      const previousHolder = before?.state?.S === SENDING ? before.holder?.S : undefined;
      return previousHolder !== undefined && previousHolder !== holder ? 'taken-over' : 'claimed';
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return (await this.get(alertId, sink)) === undefined ? 'busy' : 'delivered';
    }
  }

  async release(alertId: string, sink: string, holder: string): Promise<void> {
    try {
      await this.options.client.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: { pk: { S: ledgerItemKey(alertId, sink) } },
          ConditionExpression: '#state = :sending AND #holder = :holder',
          ExpressionAttributeNames: { '#state': 'state', '#holder': 'holder' },
          ExpressionAttributeValues: { ':sending': { S: SENDING }, ':holder': { S: holder } },
        }),
      );
    } catch (err) {
      // Recorded meanwhile, or claimed by another replica after our lease ran out: not ours to drop.
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  private nowMs(): number {
    return (this.options.now ?? Date.now)();
  }

  private expiresAt(nowMs: number): number {
    return Math.ceil(nowMs / 1000) + (this.options.retentionSeconds ?? LEDGER_RETENTION_SECONDS_DEFAULT);
  }

  /** Writes are not buffered: each record() is durable when it resolves. */
  async close(): Promise<void> {
    if (this.options.ownsClient) this.options.client.destroy();
  }
}
