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

/** A path the scan cannot start from: a bad `s3://` URL, or a prefix that cannot be listed. */
export class ScanSourceError extends Error {
  readonly code = 'ERR_SCAN_SOURCE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScanSourceError';
  }
}

/**
 * The listing of a prefix failed after the scan had started (its first key was listed when every
 * path was checked), and retries did not cure it: the objects listed before it are scanned, the
 * rest of the prefix is not. Raised by the `open()` of an input named after the prefix, which comes
 * after those objects, so the scan reports it as an unreadable input and goes on.
 */
export class ScanListingError extends Error {
  readonly code = 'ERR_SCAN_LISTING';
  constructor(
    /** `s3://bucket/prefix`, as given. */
    readonly url: string,
    readonly bucket: string,
    /** The last key listed (and scanned) before the failure; undefined when none was. */
    readonly lastKey: string | undefined,
    /** The AWS (or Node) error code, bounded. */
    readonly errorCode: string,
    options?: { cause?: unknown },
  ) {
    super(
      lastKey === undefined
        ? `${url}: cannot list objects (${errorCode}); nothing under it was scanned`
        : `${url}: cannot list objects after s3://${bucket}/${lastKey} (${errorCode}); the objects up to ` +
            'it were scanned, the ones after it were not',
      options,
    );
    this.name = 'ScanListingError';
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
  /** Its retryPolicy, when it has one, is also the listing's (default: GetObject's defaults). */
  reader: Pick<S3ObjectReader, 'open' | 'clientFor'> & Partial<Pick<S3ObjectReader, 'retryPolicy'>>;
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
 * listed (one key of each is listed first). Listing pages that fail with throttling or network
 * errors are retried; a listing that fails for good later on ends its prefix with an input whose
 * `open()` rejects with a ScanListingError.
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
  const { refs, classify } = await listing(location, options, signal);
  let lastKey: string | undefined;
  let failure: ScanListingError | undefined;
  try {
    for (;;) {
      let next: IteratorResult<ObjectRef>;
      try {
        next = await refs.next();
      } catch (err) {
        if (signal.aborted) throw err;
        // The scan has started (alerts may be out): the objects listed so far are scanned, and the
        // failure is reported after them as an unreadable input, not as bad usage.
        failure = new ScanListingError(url, location.bucket, lastKey, classify(err), { cause: err });
        break;
      }
      if (next.done) break;
      lastKey = next.value.key;
      ahead.push(objectInput(next.value, options.reader, maxPrefetch, signal));
      if (ahead.length > depth) yield ahead.shift() as ScanInput;
    }
    while (ahead.length > 0) yield ahead.shift() as ScanInput;
    if (failure) yield listingFailure(url, location, failure);
  } finally {
    stopped.abort();
    await refs.return?.(undefined);
  }
}

/** The input that stands for the part of a prefix that could not be listed. */
function listingFailure(url: string, location: S3Location, failure: ScanListingError): ScanInput {
  return {
    name: url,
    sourceOf: (line) => ({ bucket: location.bucket, key: location.prefix, line }),
    open: () => Promise.reject(failure),
  };
}

/** Lists one key of `location`; throws ScanSourceError naming the prefix when that fails. */
async function probePrefix(url: string, location: S3Location, options: S3InputOptions): Promise<void> {
  const { refs, classify } = await listing(
    location,
    { ...options, pageSize: 1 },
    options.signal ?? new AbortController().signal,
  );
  try {
    await refs.next();
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw new ScanSourceError(`${url}: cannot list objects (${classify(err)})`, { cause: err });
  } finally {
    await refs.return?.(undefined);
  }
}

/** The keys under `location` (listObjects, retried as the reader retries), and the error classifier. */
async function listing(
  location: S3Location,
  options: S3InputOptions,
  signal: AbortSignal,
): Promise<{ refs: AsyncIterator<ObjectRef>; classify: (err: unknown) => string }> {
  // Imported here so that scanning local files never loads the AWS SDK (about a second).
  const [{ listObjects }, { classifyS3Error }] = await Promise.all([
    import('./s3-prefix-lister.js'),
    import('./s3-object-reader.js'),
  ]);
  const { reader, pageSize, region } = options;
  const retry = reader.retryPolicy?.('ListObjectsV2', { bucket: location.bucket, prefix: location.prefix });
  const refs = listObjects(reader.clientFor(region), location, { pageSize, region, signal, retry });
  return { refs, classify: (err) => classifyS3Error(err).errorCode };
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
