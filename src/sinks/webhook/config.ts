import { z } from 'zod';
import { CLEARTEXT_CREDENTIAL, httpUrlField, isPrivateChannel } from '../../config/fields.js';
import { sinkBaseShape } from '../common-config.js';

/** Headers the sink sets: a configured one would be merged into them, not replace them. */
const RESERVED_HEADER = /^(content-type|content-length|x-s3-sentinel-.*)$/i;
/** What fetch accepts in a header value: tab, visible ASCII, space and Latin-1, on one line. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** A signing secret shorter than this is too easy to guess. */
export const WEBHOOK_SECRET_MIN_CHARS = 16;

/** `{ type: webhook, url }`: one POST per alert, the alert contract JSON as the body. */
export const WebhookSinkSchema = z
  .strictObject({
    type: z.literal('webhook'),
    ...sinkBaseShape,
    url: httpUrlField(),
    /** Extra request headers, e.g. an Authorization header. Treated as secrets. */
    headers: z
      .record(
        z.string().regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name'),
        // Checked here: fetch refuses such a value on every request, and the sink would never deliver.
        // The message does not repeat the value: it is a secret.
        z.string().regex(HEADER_VALUE, 'must be printable ASCII or Latin-1 on one line (no CR, LF or NUL)'),
      )
      .superRefine((headers, ctx) => {
        for (const name of Object.keys(headers)) {
          if (RESERVED_HEADER.test(name))
            ctx.addIssue({ code: 'custom', path: [name], message: 'is set by s3-sentinel itself' });
        }
      })
      .optional(),
    /** HMAC-SHA256 key for the X-S3-Sentinel-Signature header. */
    secret: z.string().min(WEBHOOK_SECRET_MIN_CHARS).optional(),
  })
  .superRefine((sink, ctx) => {
    // Headers are treated as credentials (an Authorization header); the signing secret never travels.
    if (Object.keys(sink.headers ?? {}).length > 0 && !isPrivateChannel(sink.url))
      ctx.addIssue({ code: 'custom', path: ['url'], message: `${CLEARTEXT_CREDENTIAL} (headers are set)` });
  });
export type WebhookSinkConfig = z.infer<typeof WebhookSinkSchema>;
