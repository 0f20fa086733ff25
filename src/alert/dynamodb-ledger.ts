/**
 * DeliveryLedger over DynamoDB: survives restarts and is shared by replicas, so a redelivered
 * SQS message never sends an alert twice to a sink that has it. Reads are strongly consistent: a
 * record written by one replica must be seen by the next read of any other.
 *
 * Table: partition key `pk` (String), TTL on `expiresAt` (see dynamodb-dedup-store.ts).
 */
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DeliveryLedger, DeliveryState } from './ledger.js';

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
    const nowMs = (this.options.now ?? Date.now)();
    const retention = this.options.retentionSeconds ?? LEDGER_RETENTION_SECONDS_DEFAULT;
    await this.options.client.send(
      new PutItemCommand({
        TableName: this.options.tableName,
        Item: {
          pk: { S: ledgerItemKey(alertId, sink) },
          alertId: { S: alertId },
          sink: { S: sink },
          state: { S: state },
          recordedAt: { S: new Date(nowMs).toISOString() },
          [this.ttlAttribute]: { N: String(Math.ceil(nowMs / 1000) + retention) },
        },
      }),
    );
  }

  /** Writes are not buffered: each record() is durable when it resolves. */
  async close(): Promise<void> {
    if (this.options.ownsClient) this.options.client.destroy();
  }
}
