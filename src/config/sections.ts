import { z } from 'zod';
import { DEFAULT_DEDUP_MAX_ENTRIES } from '../alert/memory-dedup-store.js';
import {
  SQS_DEFAULTS,
  SQS_HEARTBEAT_FRACTION,
  SQS_LIMITS,
  SQS_MAX_RECEIVE_COUNT_LIMIT,
  SQS_POISON_POLICIES,
} from '../ingest/sqs/options.js';
import { boolField, httpUrlField, intField } from './fields.js';

/*
 * One schema per section of the configuration contract (architecture page). Every default and
 * range is a named constant so that the checks, the error messages zod builds from them and
 * docs/configuration.md all refer to one value.
 */

// ── sqs ──────────────────────────────────────────────────────────────────────────────────────
// Defaults and SQS's own limits come from the consumer (src/ingest/sqs/options.ts); the config is
// stricter where a deployment should be (a heartbeat needs 2 s; 64 messages at once per replica
// is more than one core can use).
/** SQS long polling waits at most 20 s. */
export const SQS_WAIT_TIME_SECONDS = {
  default: SQS_DEFAULTS.waitTimeSeconds,
  min: 0,
  max: SQS_LIMITS.maxWaitTimeSeconds,
} as const;
/** ReceiveMessage returns at most 10 messages. */
export const SQS_MAX_MESSAGES = {
  default: SQS_DEFAULTS.maxMessages,
  min: 1,
  max: SQS_LIMITS.maxMessagesPerReceive,
} as const;
/** SQS allows 0..12 h; below 2 s there is no room for a heartbeat. */
export const SQS_VISIBILITY_TIMEOUT_SECONDS = {
  default: SQS_DEFAULTS.visibilityTimeoutSeconds,
  min: 2,
  max: SQS_LIMITS.maxVisibilityTimeoutSeconds,
} as const;
export { SQS_HEARTBEAT_FRACTION, SQS_POISON_POLICIES };
export const SQS_CONCURRENCY = { default: SQS_DEFAULTS.concurrency, min: 1, max: 64 } as const;
export const SQS_MAX_RECEIVE_COUNT = { min: 1, max: SQS_MAX_RECEIVE_COUNT_LIMIT } as const;
/** A message is given up (handler aborted, message comes back) this long after it was received. */
export const SQS_MAX_IN_FLIGHT_SECONDS = {
  default: SQS_DEFAULTS.maxInFlightSeconds,
  min: 1,
  max: SQS_LIMITS.maxVisibilityTimeoutSeconds,
} as const;
export const SQS_RETRY_VISIBILITY_SECONDS = { min: 0, max: SQS_LIMITS.maxVisibilityTimeoutSeconds } as const;

export const SqsSchema = z
  .strictObject({
    /** The queue S3 (or SNS/EventBridge) notifications arrive on. */
    queueUrl: httpUrlField(),
    region: z.string().min(1).optional(),
    endpoint: httpUrlField().optional(),
    waitTimeSeconds: intField(SQS_WAIT_TIME_SECONDS.min, SQS_WAIT_TIME_SECONDS.max).default(
      SQS_WAIT_TIME_SECONDS.default,
    ),
    maxMessages: intField(SQS_MAX_MESSAGES.min, SQS_MAX_MESSAGES.max).default(SQS_MAX_MESSAGES.default),
    visibilityTimeoutSeconds: intField(
      SQS_VISIBILITY_TIMEOUT_SECONDS.min,
      SQS_VISIBILITY_TIMEOUT_SECONDS.max,
    ).default(SQS_VISIBILITY_TIMEOUT_SECONDS.default),
    /** How often in-flight messages get their visibility extended; must be below the timeout. */
    visibilityHeartbeatSeconds: intField(1, SQS_VISIBILITY_TIMEOUT_SECONDS.max).optional(),
    concurrency: intField(SQS_CONCURRENCY.min, SQS_CONCURRENCY.max).default(SQS_CONCURRENCY.default),
    /** Give up on a message received this many times (unset: rely on the queue's redrive policy). */
    maxReceiveCount: intField(SQS_MAX_RECEIVE_COUNT.min, SQS_MAX_RECEIVE_COUNT.max).optional(),
    /** Visibility is no longer extended this long after receipt: the work is aborted and retried later. */
    maxInFlightSeconds: intField(SQS_MAX_IN_FLIGHT_SECONDS.min, SQS_MAX_IN_FLIGHT_SECONDS.max).default(
      SQS_MAX_IN_FLIGHT_SECONDS.default,
    ),
    /** `delete`: remove messages that are not notifications; `dead-letter`: leave them for the DLQ. */
    poisonMessages: z.enum(SQS_POISON_POLICIES).default('delete'),
    /** Visibility given to a message whose alerts could not all be delivered (unset: the timeout runs out). */
    retryVisibilitySeconds: intField(
      SQS_RETRY_VISIBILITY_SECONDS.min,
      SQS_RETRY_VISIBILITY_SECONDS.max,
    ).optional(),
  })
  .superRefine((sqs, ctx) => {
    if (
      sqs.visibilityHeartbeatSeconds !== undefined &&
      sqs.visibilityHeartbeatSeconds >= sqs.visibilityTimeoutSeconds
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['visibilityHeartbeatSeconds'],
        message: `visibilityHeartbeatSeconds (${sqs.visibilityHeartbeatSeconds}) must be less than visibilityTimeoutSeconds (${sqs.visibilityTimeoutSeconds}), or messages reappear before they are extended`,
      });
    }
  })
  .transform((sqs) => ({
    ...sqs,
    visibilityHeartbeatSeconds:
      sqs.visibilityHeartbeatSeconds ??
      Math.max(1, Math.floor(sqs.visibilityTimeoutSeconds * SQS_HEARTBEAT_FRACTION)),
  }));

// ── s3 ───────────────────────────────────────────────────────────────────────────────────────
export const S3Schema = z.strictObject({
  region: z.string().min(1).optional(),
  endpoint: httpUrlField().optional(),
  forcePathStyle: boolField().default(false),
  /** Only objects whose key starts with one of these are read (empty: all). */
  keyPrefixes: z.array(z.string().min(1)).default([]),
  /** Notifications for these buckets are ignored. */
  ignoreBuckets: z.array(z.string().min(1)).default([]),
});

// ── rules ────────────────────────────────────────────────────────────────────────────────────
export const RulesSchema = z.strictObject({
  /** Load the built-in rule pack. */
  builtin: boolField().default(true),
  /** Extra rule directories (Panther YAML + TS/JS modules). */
  paths: z.array(z.string().min(1)).default([]),
  /** Rule ids that are loaded but never run. */
  disabled: z.array(z.string().min(1)).default([]),
  /** Rule ids shipped with `Enabled: false` (site-specific ones) to run anyway. */
  enabled: z.array(z.string().min(1)).default([]),
  /** Site-specific settings read by rules (allowlists, bucket lists), keyed by setting name. */
  settings: z.record(z.string(), z.unknown()).default({}),
});

// ── dedup ────────────────────────────────────────────────────────────────────────────────────
export const DEDUP_STORES = ['memory', 'dynamodb'] as const;
export const DEDUP_MAX_ENTRIES = { default: DEFAULT_DEDUP_MAX_ENTRIES, min: 1, max: 10_000_000 } as const;
/** DynamoDB table names: 3..255 of `[a-zA-Z0-9_.-]`. */
const DYNAMODB_TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

export const DedupSchema = z
  .strictObject({
    store: z.enum(DEDUP_STORES).default('memory'),
    /** Upper bound of counters the memory store keeps (least recently used are dropped). */
    maxEntries: intField(DEDUP_MAX_ENTRIES.min, DEDUP_MAX_ENTRIES.max).default(DEDUP_MAX_ENTRIES.default),
    dynamodb: z
      .strictObject({
        tableName: z
          .string()
          .regex(DYNAMODB_TABLE_NAME, 'expected a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)'),
        endpoint: httpUrlField().optional(),
        region: z.string().min(1).optional(),
      })
      .optional(),
  })
  .superRefine((dedup, ctx) => {
    if (dedup.store === 'dynamodb' && !dedup.dynamodb) {
      ctx.addIssue({
        code: 'custom',
        path: ['dynamodb'],
        message: 'store is "dynamodb" but dynamodb.tableName is not set',
      });
    }
  });

// ── server, log, shutdown ────────────────────────────────────────────────────────────────────
export const SERVER_PORT = { default: 9090, min: 0, max: 65_535 } as const;

export const ServerSchema = z.strictObject({
  /** Port of /healthz, /readyz and /metrics (0: any free port). */
  port: intField(SERVER_PORT.min, SERVER_PORT.max).default(SERVER_PORT.default),
  host: z.string().min(1).optional(),
});

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const LogSchema = z.strictObject({
  level: z.enum(LOG_LEVELS).default('info'),
});

export const SHUTDOWN_GRACE_SECONDS = { default: 30, min: 0, max: 3600 } as const;

export const ShutdownSchema = z.strictObject({
  /** On SIGTERM, how long in-flight work and deliveries may take before the process exits. */
  graceSeconds: intField(SHUTDOWN_GRACE_SECONDS.min, SHUTDOWN_GRACE_SECONDS.max).default(
    SHUTDOWN_GRACE_SECONDS.default,
  ),
});
