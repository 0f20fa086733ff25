import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '../../observe/logger.js';
import type { Metrics } from '../../observe/metrics.js';
import type { NotificationFilter } from '../notifications.js';
import type { MessageHandler } from './types.js';

/** SQS limits the checks below are built from, so a message and its check cannot disagree. */
export const SQS_LIMITS = {
  maxMessagesPerReceive: 10,
  maxWaitTimeSeconds: 20,
  /** A message may stay invisible at most 12 hours after it was first received. */
  maxVisibilityTimeoutSeconds: 43_200,
} as const;

export const SQS_DEFAULTS = {
  waitTimeSeconds: 20,
  maxMessages: 10,
  visibilityTimeoutSeconds: 300,
  concurrency: 8,
  maxInFlightSeconds: 3_600,
  poisonMessages: 'delete',
  deleteBatchDelayMs: 50,
  pollErrorBackoffMs: 1_000,
  pollErrorBackoffMaxMs: 30_000,
  abortGraceMs: 1_000,
} as const;

/**
 * When unset, the heartbeat runs at a third of the visibility timeout: two extensions can fail
 * (a throttled or slow ChangeMessageVisibility) before the message reappears.
 */
export const SQS_HEARTBEAT_FRACTION = 1 / 3;
/** A receive-count cap above this would never be reached before a redrive policy's. */
export const SQS_MAX_RECEIVE_COUNT_LIMIT = 1_000;

/** What to do with a message that is not a notification we understand. */
export const SQS_POISON_POLICIES = ['delete', 'dead-letter'] as const;
export type PoisonPolicy = (typeof SQS_POISON_POLICIES)[number];

export interface SqsConsumerOptions {
  client: SQSClient;
  queueUrl: string;
  handler: MessageHandler;
  metrics: Metrics;
  logger: Logger;
  /** Long-poll wait of each ReceiveMessage, 0–20. */
  waitTimeSeconds?: number;
  /** Messages per ReceiveMessage, 1–10. */
  maxMessages?: number;
  /** Visibility timeout asked for on every receive and renewed by the heartbeat. */
  visibilityTimeoutSeconds?: number;
  /** Messages worked on at once; no message is received while this many are in flight. */
  concurrency?: number;
  /**
   * Seconds after receipt beyond which visibility is no longer extended: the handler is aborted
   * and the message comes back later. Bounds the damage of a handler that hangs.
   */
  maxInFlightSeconds?: number;
  /** Seconds between visibility extensions; defaults to a third of the visibility timeout. */
  visibilityHeartbeatSeconds?: number;
  /**
   * Delete (as poison) a message received more than this many times whose objects still cannot be
   * processed. Past the cap a message is still handled once more: one that only waits for a sink
   * (`'awaiting-delivery'`) is kept, since deleting it would drop its alerts. Leave unset to rely on
   * the queue's redrive policy (a dead-letter queue) instead.
   */
  maxReceiveCount?: number;
  /**
   * `delete`: remove poison messages at once (counted and logged). `dead-letter`: hand them back
   * (visibility 0) so the queue's redrive policy moves them to its dead-letter queue.
   */
  poisonMessages?: PoisonPolicy;
  /** Visibility to set when a handler asks for a retry; unset leaves the current timeout running. */
  retryVisibilitySeconds?: number;
  /** Key prefixes to read and buckets to skip. */
  filter?: NotificationFilter;
  /** How long a delete waits for others to fill a batch of ten. */
  deleteBatchDelayMs?: number;
  /** First wait after a failed ReceiveMessage; doubles per consecutive failure. */
  pollErrorBackoffMs?: number;
  pollErrorBackoffMaxMs?: number;
  /** After the stop deadline, how long aborted handlers get to return before stop() resolves. */
  abortGraceMs?: number;
}

export type ResolvedSqsConsumerOptions = Readonly<
  Required<Omit<SqsConsumerOptions, 'maxReceiveCount' | 'retryVisibilitySeconds' | 'filter'>> &
    Pick<SqsConsumerOptions, 'maxReceiveCount' | 'retryVisibilitySeconds'> & {
      filter: NotificationFilter;
    }
>;

export class SqsOptionsError extends Error {
  readonly code = 'ERR_SQS_OPTIONS';
}

/** Applies defaults and checks ranges and cross-field rules once, at construction. */
export function resolveSqsConsumerOptions(options: SqsConsumerOptions): ResolvedSqsConsumerOptions {
  const visibility = options.visibilityTimeoutSeconds ?? SQS_DEFAULTS.visibilityTimeoutSeconds;
  const resolved = {
    ...options,
    waitTimeSeconds: options.waitTimeSeconds ?? SQS_DEFAULTS.waitTimeSeconds,
    maxMessages: options.maxMessages ?? SQS_DEFAULTS.maxMessages,
    visibilityTimeoutSeconds: visibility,
    concurrency: options.concurrency ?? SQS_DEFAULTS.concurrency,
    maxInFlightSeconds: options.maxInFlightSeconds ?? SQS_DEFAULTS.maxInFlightSeconds,
    visibilityHeartbeatSeconds: options.visibilityHeartbeatSeconds ?? visibility * SQS_HEARTBEAT_FRACTION,
    poisonMessages: options.poisonMessages ?? SQS_DEFAULTS.poisonMessages,
    filter: options.filter ?? {},
    deleteBatchDelayMs: options.deleteBatchDelayMs ?? SQS_DEFAULTS.deleteBatchDelayMs,
    pollErrorBackoffMs: options.pollErrorBackoffMs ?? SQS_DEFAULTS.pollErrorBackoffMs,
    pollErrorBackoffMaxMs: options.pollErrorBackoffMaxMs ?? SQS_DEFAULTS.pollErrorBackoffMaxMs,
    abortGraceMs: options.abortGraceMs ?? SQS_DEFAULTS.abortGraceMs,
  };
  const { maxMessagesPerReceive, maxWaitTimeSeconds, maxVisibilityTimeoutSeconds } = SQS_LIMITS;
  check(options.queueUrl !== '', 'queueUrl must not be empty');
  checkInt(resolved.maxMessages, 'maxMessages', 1, maxMessagesPerReceive);
  checkInt(resolved.waitTimeSeconds, 'waitTimeSeconds', 0, maxWaitTimeSeconds);
  checkInt(resolved.visibilityTimeoutSeconds, 'visibilityTimeoutSeconds', 1, maxVisibilityTimeoutSeconds);
  checkInt(resolved.concurrency, 'concurrency', 1, 10_000);
  checkInt(resolved.maxInFlightSeconds, 'maxInFlightSeconds', 1, maxVisibilityTimeoutSeconds);
  check(
    resolved.visibilityHeartbeatSeconds > 0 && resolved.visibilityHeartbeatSeconds < visibility,
    `visibilityHeartbeatSeconds (${resolved.visibilityHeartbeatSeconds}) must be above 0 and below visibilityTimeoutSeconds (${visibility})`,
  );
  if (resolved.maxReceiveCount !== undefined) {
    checkInt(resolved.maxReceiveCount, 'maxReceiveCount', 1, SQS_MAX_RECEIVE_COUNT_LIMIT);
  }
  if (resolved.retryVisibilitySeconds !== undefined) {
    checkInt(resolved.retryVisibilitySeconds, 'retryVisibilitySeconds', 0, maxVisibilityTimeoutSeconds);
  }
  check(
    (SQS_POISON_POLICIES as readonly string[]).includes(resolved.poisonMessages),
    `poisonMessages must be 'delete' or 'dead-letter', got ${String(resolved.poisonMessages)}`,
  );
  return Object.freeze(resolved);
}

function checkInt(value: number, name: string, min: number, max: number): void {
  check(
    Number.isInteger(value) && value >= min && value <= max,
    `${name} must be an integer from ${min} to ${max}, got ${value}`,
  );
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new SqsOptionsError(`SQS consumer: ${message}`);
}
