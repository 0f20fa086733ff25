/**
 * What `scan` reads, as one ordered sequence of inputs: local files and directories, stdin (`-`)
 * and `s3://bucket/prefix` listings (backfills). Each input names itself for messages and says
 * where each of its lines came from (the SourceRef of records and alerts).
 *
 * S3 objects are fetched ahead of the one being scanned (up to `readAhead` at once) and scanned in
 * listing order. Concurrency is spent where S3 costs time — request latency — while parse, rules
 * and dedup still see lines in one fixed order, so a backfill gives exactly the alerts (and alert
 * contents) that a scan of the same lines from a local file gives.
 */
import { stat } from 'node:fs/promises';
import type { ByteSource } from './decode.js';
import { listLocalInputs, LocalInputError, STDIN_NAME } from './local-files.js';
import type { ObjectRef } from './notifications.js';
import type { S3ObjectReader } from './s3-object-reader.js';
import { parseS3Url, S3UrlError, type S3Location } from './s3-url.js';
import type { SourceRef } from '../logs/event.js';

export interface ScanInput {
  /** For messages: the path, `-`, or `s3://bucket/key`. */
  name: string;
  /** Where line `line` (1-based) of this input came from. */
  sourceOf(line: number): SourceRef;
  /** Starts reading. Rejects, or the stream errors, when the input cannot be read. */
  open(): Promise<ByteSource>;
}

/** A path the scan cannot start or continue from: a bad `s3://` URL, or a prefix that cannot be listed. */
export class ScanSourceError extends Error {
  readonly code = 'ERR_SCAN_SOURCE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScanSourceError';
  }
}

/** Objects fetched ahead of the one being scanned. */
export const S3_READ_AHEAD = 8;
/**
 * Objects up to this size (compressed, as listed) are downloaded whole while they wait their
 * turn; larger ones are streamed when their turn comes, so that no half-read connection sits idle
 * long enough for S3 to drop it. Memory for read-ahead stays below `readAhead` × this.
 */
export const S3_PREFETCH_MAX_BYTES = 1024 * 1024;

export interface S3InputOptions {
  reader: Pick<S3ObjectReader, 'open' | 'clientFor'>;
  /** Region of the listing client (and recorded on each object); default: the reader's. */
  region?: string;
  readAhead?: number;
  prefetchMaxBytes?: number;
  /** Keys per ListObjectsV2 page (1–1000). */
  pageSize?: number;
  signal?: AbortSignal;
}

export function isS3Path(path: string): boolean {
  return path.startsWith('s3://');
}

/**
 * The inputs behind `paths`, in the order given. Every path is checked before anything is
 * yielded: a local path that does not exist throws LocalInputError, a malformed `s3://` URL (or an
 * `s3://` path with no `s3` options) throws ScanSourceError, and so does a prefix that cannot be
 * listed (one key of each is listed first).
 */
export async function* scanInputs(paths: string[], s3?: S3InputOptions): AsyncIterable<ScanInput> {
  const locations = new Map<string, S3Location>();
  for (const path of paths.filter(isS3Path)) {
    try {
      locations.set(path, parseS3Url(path));
    } catch (err) {
      if (err instanceof S3UrlError) throw new ScanSourceError(err.message, { cause: err });
      throw err;
    }
    if (!s3) throw new ScanSourceError(`${path}: no S3 reader configured`);
  }
  await Promise.all(paths.filter((path) => !isS3Path(path) && path !== STDIN_NAME).map(checkLocalPath));
  // A prefix that cannot be listed (a typo, no permission) stops the scan before any alert is sent,
  // like a missing local path, rather than after the inputs before it were scanned and delivered.
  await Promise.all(
    [...locations].map(([url, location]) => probePrefix(url, location, s3 as S3InputOptions)),
  );
  // Consecutive local paths are listed together, so directories given twice are still read once.
  const local: string[] = [];
  for (const path of paths) {
    const location = locations.get(path);
    if (location === undefined) {
      local.push(path);
      continue;
    }
    if (local.length > 0) yield* localInputs(local.splice(0));
    yield* s3Inputs(path, location, s3 as S3InputOptions);
  }
  if (local.length > 0) yield* localInputs(local);
}

async function checkLocalPath(path: string): Promise<void> {
  try {
    await stat(path);
  } catch (cause) {
    throw new LocalInputError(path, { cause });
  }
}

async function* localInputs(paths: string[]): AsyncIterable<ScanInput> {
  for await (const input of listLocalInputs(paths)) {
    const file = input.name;
    yield { name: file, sourceOf: (line) => ({ file, line }), open: async () => input.open() };
  }
}

async function* s3Inputs(
  url: string,
  location: S3Location,
  options: S3InputOptions,
): AsyncIterable<ScanInput> {
  const depth = Math.max(1, options.readAhead ?? S3_READ_AHEAD);
  const maxPrefetch = options.prefetchMaxBytes ?? S3_PREFETCH_MAX_BYTES;
  // Aborted when the consumer stops early, so that fetches started ahead are not left running.
  const stopped = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stopped.signal]) : stopped.signal;
  const ahead: ScanInput[] = [];
  try {
    for await (const ref of listOrFail(url, location, options, signal)) {
      ahead.push(objectInput(ref, options.reader, maxPrefetch, signal));
      if (ahead.length > depth) yield ahead.shift() as ScanInput;
    }
    while (ahead.length > 0) yield ahead.shift() as ScanInput;
  } finally {
    stopped.abort();
  }
}

/** Lists one key of `location`; throws ScanSourceError naming the prefix when that fails. */
async function probePrefix(url: string, location: S3Location, options: S3InputOptions): Promise<void> {
  const probe = listOrFail(
    url,
    location,
    { ...options, pageSize: 1 },
    options.signal ?? new AbortController().signal,
  );
  const keys = probe[Symbol.asyncIterator]();
  try {
    await keys.next();
  } finally {
    await keys.return?.();
  }
}

/** listObjects, with a failure turned into an error that names the prefix. */
async function* listOrFail(
  url: string,
  location: S3Location,
  options: S3InputOptions,
  signal: AbortSignal,
): AsyncIterable<ObjectRef> {
  // Imported here so that scanning local files never loads the AWS SDK (about a second).
  const [{ listObjects }, { classifyS3Error }] = await Promise.all([
    import('./s3-prefix-lister.js'),
    import('./s3-object-reader.js'),
  ]);
  const client = options.reader.clientFor(options.region);
  try {
    yield* listObjects(client, location, { pageSize: options.pageSize, region: options.region, signal });
  } catch (err) {
    if (signal.aborted) throw err;
    const { errorCode } = classifyS3Error(err);
    throw new ScanSourceError(`${url}: cannot list objects (${errorCode})`, { cause: err });
  }
}

function objectInput(
  ref: ObjectRef,
  reader: S3InputOptions['reader'],
  maxPrefetch: number,
  signal: AbortSignal,
): ScanInput {
  const { bucket, key } = ref;
  const input = {
    name: `s3://${bucket}/${key}`,
    sourceOf: (line: number): SourceRef => ({ bucket, key, line }),
  };
  if (ref.size === undefined || ref.size > maxPrefetch) {
    return { ...input, open: async () => (await reader.open(ref, signal)).body };
  }
  const prefetched = prefetch(reader, ref, maxPrefetch, signal);
  // The failure is reported when the scan reaches this object, not while it waits.
  prefetched.catch(() => undefined);
  return { ...input, open: async () => replay(await prefetched) };
}

interface Prefetched {
  chunks: Buffer[];
  /** The rest of the body when the object turned out larger than listed (replaced meanwhile). */
  rest: AsyncIterator<unknown> | undefined;
}

/**
 * Downloads up to `maxBytes` of an object while it waits its turn. The listed size decided it is
 * small, but the object may have been replaced since: past `maxBytes` the download stops and the
 * rest is streamed when its turn comes, so read-ahead memory stays bounded whatever S3 returns.
 */
async function prefetch(
  reader: S3InputOptions['reader'],
  ref: ObjectRef,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Prefetched> {
  const { body } = await reader.open(ref, signal);
  const iterator = (body as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let bytes = 0;
  while (bytes <= maxBytes) {
    const next = await iterator.next();
    if (next.done) return { chunks, rest: undefined };
    const chunk = next.value as Buffer;
    chunks.push(chunk);
    bytes += chunk.length;
  }
  return { chunks, rest: iterator };
}

async function* replay({ chunks, rest }: Prefetched): AsyncIterable<Buffer> {
  yield* chunks;
  if (!rest) return;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value as Buffer;
}
