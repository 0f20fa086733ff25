import { z } from 'zod';
import { httpUrlField } from '../../config/fields.js';
import { sinkBaseShape } from '../common-config.js';

/** A signing secret shorter than this is too easy to guess. */
export const WEBHOOK_SECRET_MIN_CHARS = 16;

/** `{ type: webhook, url }`: one POST per alert, the alert contract JSON as the body. */
export const WebhookSinkSchema = z.strictObject({
  type: z.literal('webhook'),
  ...sinkBaseShape,
  url: httpUrlField(),
  /** Extra request headers, e.g. an Authorization header. Treated as secrets. */
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name'), z.string())
    .optional(),
  /** HMAC-SHA256 key for the X-S3-Sentinel-Signature header. */
  secret: z.string().min(WEBHOOK_SECRET_MIN_CHARS).optional(),
});
export type WebhookSinkConfig = z.infer<typeof WebhookSinkSchema>;
