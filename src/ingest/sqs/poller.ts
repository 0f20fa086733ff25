import { ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '../../observe/logger.js';
import type { Metrics } from '../../observe/metrics.js';
import type { ReceivedMessage } from './types.js';

export interface PollLoopDeps {
  client: SQSClient;
  queueUrl: string;
  metrics: Metrics;
  logger: Logger;
  waitTimeSeconds: number;
  maxMessages: number;
  visibilityTimeoutSeconds: number;
  pollErrorBackoffMs: number;
  pollErrorBackoffMaxMs: number;
  /** Resolves once at least one more message may be taken on, or when `signal` aborts. */
  waitForCapacity: (signal: AbortSignal) => Promise<number>;
  /** Receives each batch; must not throw (errors are caught and logged anyway). */
  dispatch: (messages: ReceivedMessage[]) => void;
}

export interface PollSignals {
  /** Aborted when the consumer stops: no new poll starts, the one under way may finish. */
  stop: AbortSignal;
  /** Passed to ReceiveMessage: aborts a poll that is under way. */
  abort: AbortSignal;
}

/**
 * The receive loop: one long poll at a time, never more messages than there is room for, the
 * next poll scheduled in `finally` so that no error — from SQS or from `dispatch` — ends it.
 * Failed receives back off exponentially.
 *
 * Stopping does not abort the poll under way: SQS can assign messages to a receive whose client
 * has gone (they would stay invisible for a whole visibility timeout), so the last poll is allowed
 * to return and its messages are handed to `dispatch`, which gives them back.
 */
export class PollLoop {
  private consecutiveErrors = 0;
  private lastReceiveOkAtMs: number | undefined;
  private stopped!: Promise<void>;

  constructor(private readonly deps: PollLoopDeps) {}

  /** Starts polling until `signals.stop` aborts; resolves when the last poll has ended. */
  start(signals: PollSignals): Promise<void> {
    this.stopped = new Promise<void>((resolve) => void this.poll(signals, resolve));
    return this.stopped;
  }

  get status(): { consecutiveErrors: number; lastReceiveOkAtMs: number | undefined } {
    return { consecutiveErrors: this.consecutiveErrors, lastReceiveOkAtMs: this.lastReceiveOkAtMs };
  }

  private async poll(signals: PollSignals, onStopped: () => void): Promise<void> {
    const { stop, abort } = signals;
    let delayMs = 0;
    try {
      if (stop.aborted) return;
      const capacity = await this.deps.waitForCapacity(stop);
      if (stop.aborted) return;
      const messages = await this.receive(Math.min(capacity, this.deps.maxMessages), abort);
      this.consecutiveErrors = 0;
      this.lastReceiveOkAtMs = Date.now();
      if (messages.length > 0) this.deps.dispatch(messages);
    } catch (err) {
      if (stop.aborted || abort.aborted) return;
      this.consecutiveErrors += 1;
      this.deps.metrics.sqsErrors.inc({ operation: 'ReceiveMessage' });
      delayMs = Math.min(
        this.deps.pollErrorBackoffMs * 2 ** (this.consecutiveErrors - 1),
        this.deps.pollErrorBackoffMaxMs,
      );
      this.deps.logger.error(
        { err, queueUrl: this.deps.queueUrl, consecutiveErrors: this.consecutiveErrors, retryInMs: delayMs },
        'ReceiveMessage failed',
      );
    } finally {
      if (stop.aborted) onStopped();
      else setTimeout(() => void this.poll(signals, onStopped), delayMs);
    }
  }

  private async receive(maxMessages: number, signal: AbortSignal): Promise<ReceivedMessage[]> {
    const response = await this.deps.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.deps.queueUrl,
        MaxNumberOfMessages: maxMessages,
        WaitTimeSeconds: this.deps.waitTimeSeconds,
        VisibilityTimeout: this.deps.visibilityTimeoutSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
      { abortSignal: signal },
    );
    const receivedAtMs = Date.now();
    const messages = (response.Messages ?? []).flatMap((m) => toReceived(m, receivedAtMs) ?? []);
    this.deps.metrics.messagesReceived.inc(messages.length);
    return messages;
  }
}

function toReceived(message: Message, receivedAtMs: number): ReceivedMessage | undefined {
  // SQS always sets these; a message without a receipt handle could never be deleted anyway.
  if (!message.ReceiptHandle || !message.MessageId) return undefined;
  const count = Number(message.Attributes?.ApproximateReceiveCount);
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body ?? '',
    receiveCount: Number.isInteger(count) && count > 0 ? count : 1,
    sentTimestampMs: Number.isFinite(sent) && sent > 0 ? sent : undefined,
    receivedAtMs,
  };
}
