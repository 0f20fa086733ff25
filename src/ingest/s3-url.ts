/** `s3://bucket/prefix` URLs, kept apart from the lister so that parsing one loads no AWS SDK. */
export interface S3Location {
  bucket: string;
  prefix: string;
}

export class S3UrlError extends Error {
  readonly code = 'ERR_S3_URL';
}

/** Parses `s3://bucket` or `s3://bucket/prefix`; the prefix is taken literally (no decoding). */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!match?.[1]) throw new S3UrlError(`not an S3 URL (expected s3://bucket/prefix): ${url}`);
  return { bucket: match[1], prefix: match[2] ?? '' };
}
