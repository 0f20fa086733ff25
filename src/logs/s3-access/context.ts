/**
 * Alert context for S3 server access log records, in CloudTrail's vocabulary so that alerts from
 * access logs read like the CloudTrail alerts responders know: eventName, eventSource, awsRegion,
 * recipientAccountId, sourceIPAddress, userAgent, userIdentity, plus bucket and key.
 *
 * An access log line names neither the bucket's region nor its account. We recover them from, in
 * order: the line's own source region field, the access point ARN, the host header
 * (`bucket.s3.us-west-2.amazonaws.com`) and the partitioned log object key
 * (`prefix/ACCOUNT/REGION/BUCKET/YYYY/MM/DD/…`) the line was read from. The bucket owner field is a
 * canonical user id, which cannot be turned into an account id, so it is not used.
 */
import type { LogEvent } from '../event.js';

const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d{1,2}';
const HOST_REGION = new RegExp(`(?:^|[.-])(${REGION})\\.(?:[^.]+\\.)*amazonaws\\.com(?:\\.cn)?$`);
const DUALSTACK_OR_WEBSITE_REGION = new RegExp(`[.-](${REGION})(?=\\.)`);
const PARTITIONED_KEY = new RegExp(`(?:^|/)(\\d{12})/(${REGION})/[^/]+/\\d{4}/\\d{2}/\\d{2}/`);
const ACCESS_POINT_ARN = /^arn:aws[\w-]*:s3:([a-z0-9-]+):(\d{12}):/;

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The region named by an S3 endpoint host, e.g. `bucket.s3.us-west-2.amazonaws.com`; null if none. */
export function regionFromHostHeader(host: string | null): string | null {
  if (!host) return null;
  const lower = host.toLowerCase();
  if (!/\.amazonaws\.com(\.cn)?$/.test(lower)) return null;
  return HOST_REGION.exec(lower)?.[1] ?? DUALSTACK_OR_WEBSITE_REGION.exec(lower)?.[1] ?? null;
}

/** Account and region from a partitioned access-log object key; null when the key is not partitioned. */
export function partitionFromLogKey(key: string | null): { accountId: string; region: string } | null {
  if (!key) return null;
  const match = PARTITIONED_KEY.exec(key);
  return match ? { accountId: match[1]!, region: match[2]! } : null;
}

export function s3AccessAlertContext(event: LogEvent): Record<string, unknown> {
  const source = event.source;
  const partition = partitionFromLogKey(source && 'key' in source ? source.key : null);
  const accessPoint = ACCESS_POINT_ARN.exec(text(event.get('accesspointarn')) ?? '');
  const awsRegion =
    text(event.get('sourceregion')) ??
    accessPoint?.[1] ??
    regionFromHostHeader(text(event.get('hostheader'))) ??
    partition?.region ??
    null;
  return {
    eventName: text(event.get('operation')),
    eventSource: 's3.amazonaws.com',
    awsRegion,
    recipientAccountId: partition?.accountId ?? accessPoint?.[2] ?? null,
    sourceIPAddress: text(event.get('remoteip')),
    userAgent: text(event.get('useragent')),
    userIdentity: text(event.get('requester')),
    bucket: text(event.get('bucket')),
    key: text(event.get('key')),
    httpStatus: event.get('httpstatus') ?? null,
    errorCode: text(event.get('errorcode')),
    requestId: text(event.get('requestid')),
  };
}
