import type { ObjectRef } from '../notifications.js';

/** One SQS message as the handler sees it. */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** `ApproximateReceiveCount`: 1 on the first delivery. */
  receiveCount: number;
  /** `SentTimestamp`: when the message was sent to the queue, ms since the epoch. */
  sentTimestampMs: number | undefined;
  /** When this process received it, ms since the epoch. */
  receivedAtMs: number;
}

/**
 * What the pipeline does with the objects of one message.
 *
 * - `'done'`: every alert the objects produced is delivered or recorded in the ledger; the message
 *   is deleted (in a batch).
 * - `'retry'`: leave the message for SQS to deliver again (after its visibility timeout, or after
 *   `retryVisibilitySeconds` when set).
 * - `'awaiting-delivery'`: the same, because alerts still wait for a sink (see HandlerResult).
 * - a thrown error or rejected promise is treated as `'retry'` and logged with the message id.
 *
 * `signal` aborts when the consumer gives the message up (shutdown deadline passed, or the
 * visibility could not be extended any further): stop early, the message will come back.
 */
export type MessageHandler = (
  message: ReceivedMessage,
  refs: ObjectRef[],
  signal: AbortSignal,
) => Promise<HandlerResult | HandlerReport>;

/**
 * A handler's result with the objects it could not finish, which the log names when the message is
 * given up (`maxReceiveCount`); a bare HandlerResult other than `'done'` counts every object.
 */
export interface HandlerReport {
  result: HandlerResult;
  unfinished: ObjectRef[];
}

/**
 * `'awaiting-delivery'` is a `'retry'` whose cause is a dependency that is down, not the message:
 * a destination that has not taken every alert yet, or the shared dedup store. Such a message is
 * exempt from `maxReceiveCount`, which is for messages that cannot be processed.
 */
export type HandlerResult = 'done' | 'retry' | 'awaiting-delivery';

export interface StopOptions {
  /**
   * Epoch ms by which in-flight handlers must finish. Handlers still running then are aborted and
   * their messages handed back (visibility 0). Defaults to now: hand everything back at once.
   */
  deadline?: number;
}
