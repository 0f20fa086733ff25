import { z } from 'zod';
import { credentialUrlField, intField } from '../../config/fields.js';
import { sinkBaseShape } from '../common-config.js';

/** Slack accepts about one message per second per incoming webhook. */
export const SLACK_MIN_INTERVAL_MS = { default: 1000, min: 0, max: 60_000 } as const;
/** Alerts folded into one digest message; 40 keeps a digest well inside Slack's 50 blocks. */
export const SLACK_MAX_ALERTS_PER_MESSAGE = { default: 20, min: 1, max: 40 } as const;

/** `{ type: slack, webhookUrl }`: an incoming webhook. */
export const SlackSinkSchema = z.strictObject({
  type: z.literal('slack'),
  ...sinkBaseShape,
  /** The incoming webhook URL; a credential. */
  webhookUrl: credentialUrlField(),
  /** Minimum gap between two messages to this webhook. */
  minIntervalMs: intField(SLACK_MIN_INTERVAL_MS.min, SLACK_MIN_INTERVAL_MS.max).default(
    SLACK_MIN_INTERVAL_MS.default,
  ),
  /** When alerts queue up, up to this many go out as one digest message. */
  maxAlertsPerMessage: intField(SLACK_MAX_ALERTS_PER_MESSAGE.min, SLACK_MAX_ALERTS_PER_MESSAGE.max).default(
    SLACK_MAX_ALERTS_PER_MESSAGE.default,
  ),
});
export type SlackSinkConfig = z.infer<typeof SlackSinkSchema>;
