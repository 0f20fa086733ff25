import { z } from 'zod';
import { SEVERITIES } from '../alert/alert.js';
import { intField } from '../config/fields.js';

/** Options every sink has: its name, the filters that route alerts to it, and delivery knobs. */

/** Sink names key the delivery ledger, so they must stay stable across restarts. */
export const SINK_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
export const REQUEST_TIMEOUT_MS = { default: 10_000, min: 100, max: 120_000 } as const;

export const RETRY_MAX_ATTEMPTS = { default: 5, min: 1, max: 100 } as const;
export const RETRY_INITIAL_BACKOFF_MS = { default: 500, min: 1, max: 60_000 } as const;
export const RETRY_MAX_BACKOFF_MS = { default: 30_000, min: 1, max: 600_000 } as const;
export const RETRY_MAX_RETRY_MS = { default: 60_000, min: 0, max: 3_600_000 } as const;

export const RetryOverrideSchema = z
  .strictObject({
    /** Attempts per dispatch, the first included. */
    maxAttempts: intField(RETRY_MAX_ATTEMPTS.min, RETRY_MAX_ATTEMPTS.max).optional(),
    initialBackoffMs: intField(RETRY_INITIAL_BACKOFF_MS.min, RETRY_INITIAL_BACKOFF_MS.max).optional(),
    maxBackoffMs: intField(RETRY_MAX_BACKOFF_MS.min, RETRY_MAX_BACKOFF_MS.max).optional(),
    /** Time budget for retries of one dispatch; past it the alert is left for redelivery. */
    maxRetryMs: intField(RETRY_MAX_RETRY_MS.min, RETRY_MAX_RETRY_MS.max).optional(),
  })
  .superRefine((retry, ctx) => {
    // Against the default too: a larger initialBackoffMs alone would be cut to it without a word.
    const maxBackoffMs = retry.maxBackoffMs ?? RETRY_MAX_BACKOFF_MS.default;
    if (retry.initialBackoffMs !== undefined && retry.initialBackoffMs > maxBackoffMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['initialBackoffMs'],
        message: `initialBackoffMs (${retry.initialBackoffMs}) must not exceed maxBackoffMs (${maxBackoffMs}${retry.maxBackoffMs === undefined ? ', its default' : ''})`,
      });
    }
  });

export const sinkBaseShape = {
  /** Unique among sinks; defaults to the type. Keys the delivery ledger. */
  name: z.string().regex(SINK_NAME, 'expected 1-64 of A-Z a-z 0-9 _ . -').optional(),
  /** Only alerts at or above this severity. */
  minSeverity: z.enum(SEVERITIES).optional(),
  /** Only alerts of these rules. */
  ruleIds: z.array(z.string().min(1)).optional(),
  /** Never alerts of these rules. */
  excludeRuleIds: z.array(z.string().min(1)).optional(),
  /** Only alerts carrying at least one of these tags. */
  tags: z.array(z.string().min(1)).optional(),
  requestTimeoutMs: intField(REQUEST_TIMEOUT_MS.min, REQUEST_TIMEOUT_MS.max).optional(),
  retry: RetryOverrideSchema.optional(),
};

export type SinkBaseConfig = z.infer<z.ZodObject<typeof sinkBaseShape>>;
