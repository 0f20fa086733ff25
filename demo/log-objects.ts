/**
 * The access-log objects the demo uploads: generated lines (about 1% plain-HTTP requests, which the
 * built-in Insecure rule flags), keyed the way S3 names its log files, one of them gzip'd.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { gzipSync } from 'node:zlib';
import { generateAccessLogLines } from '../bench/generate.js';

export interface LogObject {
  key: string;
  body: Buffer;
  lines: number;
  gzip: boolean;
}

export interface LogObjectSpec {
  /** Keys may hold spaces: notifications then carry them form-encoded (`+`). */
  key: string;
  lines: number;
  seed: number;
  gzip?: boolean;
}

/** The log file key S3 writes: `[prefix]YYYY-MM-DD-hh-mm-ss-UNIQUE`. */
export function accessLogKey(prefix: string, time: Date, unique: string): string {
  const stamp = time.toISOString().slice(0, 19).replace(/[T:]/g, '-');
  return `${prefix}${stamp}-${unique}`;
}

export function buildLogObject(spec: LogObjectSpec): LogObject {
  const text = generateAccessLogLines(spec.lines, spec.seed).join('\n') + '\n';
  const raw = Buffer.from(text);
  return {
    key: spec.key,
    body: spec.gzip ? gzipSync(raw) : raw,
    lines: spec.lines,
    gzip: spec.gzip ?? false,
  };
}

/** Uploads the object; resolves with its ETag, which S3's notification of it carries. */
export async function uploadLogObject(
  s3: S3Client,
  bucket: string,
  object: LogObject,
): Promise<string | undefined> {
  const { ETag } = await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.body }),
  );
  return ETag;
}
