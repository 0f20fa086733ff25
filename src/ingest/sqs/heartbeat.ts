import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '../../observe/logger.js';
import type { Metrics } from '../../observe/metrics.js';
import type { ReceivedMessage } from './types.js';

export interface HeartbeatDeps {
  client: SQSClient;
  queueUrl: string;
  metrics: Metrics;
  logger: Logger;
  visibilityTimeoutSeconds: number;
  intervalSeconds: number;
  /** No extension past this many seconds after receipt. */
  maxInFlightSeconds: number;
  /** The consumer's per-start signal. */
  signal: AbortSignal;
}

// SQS answers these when the receipt handle no longer holds the message: extending is pointless.
const LOST_MESSAGE_ERRORS = new Set([
  'ReceiptHandleIsInvalid',
  'MessageNotInflight',
  'InvalidParameterValue',
]);

/**
 * A failed extension is tried again this soon rather than a whole interval later, which would be
 * after the visibility it meant to extend had run out.
 */
export const FAILED_EXTENSION_RETRY_SECONDS = 5;

/**
 * Keeps in-flight messages invisible while their handler runs: every `intervalSeconds` (half the
 * visibility timeout by default) the visibility is set again to the full timeout, until the
 * message has been held `maxInFlightSeconds`. Then `onGiveUp` fires — at that moment, not at the
 * next beat, since the last extension was cut to end there — so the handler can be aborted: the
 * message will reappear and be processed again, rather than processed twice at once.
 */
export class VisibilityHeartbeat {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly deps: HeartbeatDeps) {}

  /** Starts extending `message`; call the returned function when its handler has finished. */
  track(message: ReceivedMessage, onGiveUp: (reason: string) => void): () => void {
    const id = message.receiptHandle;
    const deadlineMs = message.receivedAtMs + this.deps.maxInFlightSeconds * 1000;
    const schedule = (delaySeconds: number) => {
      const delayMs = Math.max(0, Math.min(delaySeconds * 1000, deadlineMs - Date.now()));
      const timer = setTimeout(() => void beat(), delayMs);
      timer.unref();
      this.timers.set(id, timer);
    };
    const beat = async () => {
      if (!this.timers.has(id) || this.deps.signal.aborted) return;
      const heldSeconds = (Date.now() - message.receivedAtMs) / 1000;
      const remaining = Math.floor(this.deps.maxInFlightSeconds - heldSeconds);
      if (remaining <= 0) {
        this.timers.delete(id);
        onGiveUp(`held ${Math.round(heldSeconds)}s, the maxInFlightSeconds limit`);
        return;
      }
      const outcome = await this.extend(message, Math.min(this.deps.visibilityTimeoutSeconds, remaining));
      if (outcome === 'lost') {
        this.timers.delete(id);
        onGiveUp('the receipt handle is no longer valid');
      } else if (this.timers.has(id)) {
        const interval = this.deps.intervalSeconds;
        schedule(outcome === 'ok' ? interval : Math.min(interval, FAILED_EXTENSION_RETRY_SECONDS));
      }
    };
    schedule(this.deps.intervalSeconds);
    return () => {
      clearTimeout(this.timers.get(id));
      this.timers.delete(id);
    };
  }

  /** Stops every timer (at shutdown). */
  stopAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async extend(message: ReceivedMessage, seconds: number): Promise<'ok' | 'failed' | 'lost'> {
    const { client, queueUrl, metrics, logger, signal } = this.deps;
    try {
      await client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: message.receiptHandle,
          VisibilityTimeout: seconds,
        }),
        { abortSignal: signal },
      );
      metrics.visibilityExtensions.inc();
      logger.debug({ messageId: message.messageId, visibilitySeconds: seconds }, 'visibility extended');
      return 'ok';
    } catch (err) {
      if (signal.aborted) return 'failed';
      metrics.sqsErrors.inc({ operation: 'ChangeMessageVisibility' });
      const name = err instanceof Error ? err.name : '';
      const lost = LOST_MESSAGE_ERRORS.has(name);
      logger.warn(
        { err, queueUrl, messageId: message.messageId },
        lost
          ? 'message lost its receipt handle; it will be processed again'
          : 'visibility extension failed; retrying shortly',
      );
      return lost ? 'lost' : 'failed';
    }
  }
}
