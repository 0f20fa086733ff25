import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type BatchResultErrorEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Logger } from '../../observe/logger.js';
import type { Metrics } from '../../observe/metrics.js';
import { SQS_LIMITS } from './options.js';
import type { ReceivedMessage } from './types.js';

interface PendingDelete {
  message: ReceivedMessage;
  settle: (deleted: boolean) => void;
}

export interface AckerDeps {
  client: SQSClient;
  queueUrl: string;
  metrics: Metrics;
  logger: Logger;
  /** How long a delete waits for others to fill a batch. */
  batchDelayMs: number;
  /** The consumer's per-start signal; it aborts only after the final flush. */
  signal: AbortSignal;
}

/**
 * Deletes and hands back messages in batches of ten.
 *
 * A batch call can succeed while some of its entries fail, so every response's `Failed[]` is
 * read: a message whose delete failed will be delivered again, which the delivery ledger absorbs
 * (a duplicate, never a loss). Nothing here throws to the caller; failures are counted and logged.
 */
export class MessageAcker {
  private pending: PendingDelete[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlightBatches = new Set<Promise<void>>();

  constructor(private readonly deps: AckerDeps) {}

  /** Queues a delete; resolves to whether SQS confirmed it. */
  delete(message: ReceivedMessage): Promise<boolean> {
    return new Promise<boolean>((settle) => {
      this.pending.push({ message, settle });
      if (this.pending.length >= SQS_LIMITS.maxMessagesPerReceive) this.flushPending();
      else this.timer ??= setTimeout(() => this.flushPending(), this.deps.batchDelayMs);
    });
  }

  /** Sends every queued delete now and waits for all batches to finish. */
  async flush(): Promise<void> {
    this.flushPending();
    await Promise.all([...this.inFlightBatches]);
  }

  /**
   * Sets the visibility of `messages` to `visibilitySeconds` (0: visible again at once), so that
   * another consumer, or this one later, picks them up. Resolves once SQS answered.
   */
  async changeVisibility(
    messages: readonly ReceivedMessage[],
    visibilitySeconds: number,
    reason: string,
  ): Promise<void> {
    const { client, queueUrl, metrics, logger } = this.deps;
    for (const chunk of chunks(messages, SQS_LIMITS.maxMessagesPerReceive)) {
      const byEntryId = new Map(chunk.map((m, i) => [String(i), m]));
      try {
        const response = await client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((m, i) => ({
              Id: String(i),
              ReceiptHandle: m.receiptHandle,
              VisibilityTimeout: visibilitySeconds,
            })),
          }),
          { abortSignal: this.deps.signal },
        );
        metrics.messagesReturned.inc({ reason }, chunk.length - (response.Failed?.length ?? 0));
        this.logFailures('ChangeMessageVisibilityBatch', response.Failed, byEntryId);
      } catch (err) {
        metrics.sqsErrors.inc({ operation: 'ChangeMessageVisibilityBatch' });
        logger.warn(
          { err, queueUrl, messageIds: chunk.map((m) => m.messageId), reason },
          'could not hand messages back; they reappear when their visibility timeout ends',
        );
      }
    }
  }

  private flushPending(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, SQS_LIMITS.maxMessagesPerReceive);
      const done = this.deleteBatch(batch).finally(() => this.inFlightBatches.delete(done));
      this.inFlightBatches.add(done);
    }
  }

  private async deleteBatch(batch: PendingDelete[]): Promise<void> {
    const { client, queueUrl, metrics, logger } = this.deps;
    const byEntryId = new Map(batch.map((p, i) => [String(i), p.message]));
    // Deletes run while the consumer stops too (the signal aborts only after the final flush):
    // an unsent delete means a duplicate later.
    try {
      const response = await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((p, i) => ({ Id: String(i), ReceiptHandle: p.message.receiptHandle })),
        }),
        { abortSignal: this.deps.signal },
      );
      const failed = new Set((response.Failed ?? []).map((f) => f.Id));
      this.logFailures('DeleteMessageBatch', response.Failed, byEntryId);
      batch.forEach((p, i) => {
        const ok = !failed.has(String(i));
        if (ok) metrics.messagesDeleted.inc();
        p.settle(ok);
      });
    } catch (err) {
      metrics.sqsErrors.inc({ operation: 'DeleteMessageBatch' });
      logger.warn(
        { err, queueUrl, messageIds: batch.map((p) => p.message.messageId) },
        'DeleteMessageBatch failed; the messages will be delivered again and deduplicated by the ledger',
      );
      for (const p of batch) p.settle(false);
    }
  }

  private logFailures(
    operation: string,
    failed: BatchResultErrorEntry[] | undefined,
    byEntryId: Map<string, ReceivedMessage>,
  ): void {
    if (!failed?.length) return;
    this.deps.metrics.sqsErrors.inc({ operation }, failed.length);
    for (const f of failed) {
      this.deps.logger.warn(
        {
          queueUrl: this.deps.queueUrl,
          messageId: f.Id === undefined ? undefined : byEntryId.get(f.Id)?.messageId,
          errorCode: f.Code,
          senderFault: f.SenderFault,
          detail: f.Message,
        },
        `${operation} entry failed`,
      );
    }
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
