/**
 * `s3://bucket/prefix` → every object under it, for backfills (`scan s3://…`). Pages through
 * ListObjectsV2 lazily, so a prefix with millions of keys costs one page of memory.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { ObjectRef } from './notifications.js';
import type { S3Location } from './s3-url.js';

export { parseS3Url, S3UrlError, type S3Location } from './s3-url.js';

export interface ListOptions {
  /** Keys per page, 1–1000 (S3's maximum and default). */
  pageSize?: number;
  /** Region recorded on each ref, so the reader picks the right client. */
  region?: string;
  signal?: AbortSignal;
}

/** Yields every object under `location`, in S3's key order. */
export async function* listObjects(
  client: S3Client,
  location: S3Location,
  options: ListOptions = {},
): AsyncGenerator<ObjectRef> {
  let continuationToken: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: location.bucket,
        Prefix: location.prefix || undefined,
        ContinuationToken: continuationToken,
        MaxKeys: options.pageSize,
      }),
      { abortSignal: options.signal },
    );
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      const ref: ObjectRef = { bucket: location.bucket, key: object.Key };
      if (object.Size !== undefined) ref.size = object.Size;
      if (object.LastModified) ref.eventTimeMs = object.LastModified.getTime();
      if (options.region) ref.region = options.region;
      yield ref;
    }
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken);
}
