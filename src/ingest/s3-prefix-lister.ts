/**
 * `s3://bucket/prefix` → every object under it, for backfills (`scan s3://…`). Pages through
 * ListObjectsV2 lazily, so a prefix with millions of keys costs one page of memory.
 */
import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { ObjectRef } from './notifications.js';
import {
  DEFAULT_RESPONSE_TIMEOUT_MS,
  DEFAULT_S3_RETRY,
  withResponseTimeout,
  withS3Retries,
  type S3RetryPolicy,
} from './s3-object-reader.js';
import type { S3Location } from './s3-url.js';

export { parseS3Url, S3UrlError, type S3Location } from './s3-url.js';

export interface ListOptions {
  /** Keys per page, 1–1000 (S3's maximum and default). */
  pageSize?: number;
  /** Region recorded on each ref, so the reader picks the right client. */
  region?: string;
  signal?: AbortSignal;
  /**
   * How a page that fails with throttling or a network error (classifyS3Error: `throttled`) is
   * retried; default: GetObject's (4 attempts, exponential backoff from 200 ms, full jitter).
   */
  retry?: S3RetryPolicy;
}

/**
 * Yields every object under `location`, in S3's key order. A page that fails with throttling or a
 * network error is asked for again (`retry`); any other failure, or one the retries do not cure,
 * is thrown — after the keys of the pages before it were yielded.
 *
 * Keys are listed with `EncodingType: url`: XML cannot carry every character a key may hold (a
 * carriage return comes back as a line feed), so S3 sends them encoded and they are decoded here.
 */
export async function* listObjects(
  client: S3Client,
  location: S3Location,
  options: ListOptions = {},
): AsyncGenerator<ObjectRef> {
  let continuationToken: string | undefined;
  do {
    const page = await listPage(client, location, continuationToken, options);
    // Only a response that says so is encoded: an S3-compatible store may ignore the request.
    const encoded = page.EncodingType === 'url';
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      const key = encoded ? decodeListedKey(object.Key) : object.Key;
      const ref: ObjectRef = { bucket: location.bucket, key };
      if (object.Size !== undefined) ref.size = object.Size;
      if (object.LastModified) ref.eventTimeMs = object.LastModified.getTime();
      if (options.region) ref.region = options.region;
      yield ref;
    }
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken);
}

async function listPage(
  client: S3Client,
  location: S3Location,
  continuationToken: string | undefined,
  { pageSize, signal, retry = DEFAULT_S3_RETRY }: ListOptions,
): Promise<ListObjectsV2CommandOutput> {
  const limitMs = retry.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
  return withS3Retries(retry, signal, () =>
    withResponseTimeout('ListObjectsV2', limitMs, signal, (abortSignal) =>
      client.send(
        new ListObjectsV2Command({
          Bucket: location.bucket,
          Prefix: location.prefix || undefined,
          ContinuationToken: continuationToken,
          MaxKeys: pageSize,
          EncodingType: 'url',
        }),
        { abortSignal },
      ),
    ),
  );
}

/**
 * A key as S3 encodes it under `EncodingType: url`: percent-encoded UTF-8, a space as `+` (and a
 * `+` as `%2B`). A value that is not valid encoding is kept as it came.
 */
function decodeListedKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, '%20'));
  } catch {
    return encoded;
  }
}
