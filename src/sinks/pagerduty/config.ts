import { z } from 'zod';
import { credentialUrlField, tokenField } from '../../config/fields.js';
import { sinkBaseShape } from '../common-config.js';

export const PAGERDUTY_US_URL = 'https://events.pagerduty.com/v2/enqueue';
/** For accounts in PagerDuty's EU service region. */
export const PAGERDUTY_EU_URL = 'https://events.eu.pagerduty.com/v2/enqueue';

/** `{ type: pagerduty, routingKey }`: Events API v2 `trigger` events. */
export const PagerDutySinkSchema = z.strictObject({
  type: z.literal('pagerduty'),
  ...sinkBaseShape,
  /** The integration key of an Events API v2 integration; a credential. */
  routingKey: tokenField(),
  /** The routing key travels in each event's body, so this is https (http only to localhost). */
  url: credentialUrlField().default(PAGERDUTY_US_URL),
  /** Overrides `payload.source` (default: `s3://<bucket>` of the alert). */
  source: z.string().min(1).optional(),
  /** Overrides `payload.component` (default: the alert's log type). */
  component: z.string().min(1).optional(),
  /** Overrides `payload.group` (default: the AWS account id of the bucket owner, when known). */
  group: z.string().min(1).optional(),
});
export type PagerDutySinkConfig = z.infer<typeof PagerDutySinkSchema>;
