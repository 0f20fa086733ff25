/**
 * Opens S3 objects as Node streams for the line decoder (src/ingest/decode.ts), one client per
 * region, with failures classified so the caller knows whether to drop the message, retry later
 * or give up. Memory stays bounded whatever the object size: the body is streamed, never buffered,
 * and response checksum validation is off (`WHEN_REQUIRED`), which otherwise holds large bodies.
 */
import { Transform, type Readable } from 'node:stream';
import { LRUCache } from 'lru-cache';
import { GetObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { AWS_STREAM_TIMEOUTS } from './aws-timeouts.js';
import type { Logger } from '../observe/logger.js';
import type { Metrics } from '../observe/metrics.js';
import type { ObjectRef } from './notifications.js';

/**
 * - `gone`: the object no longer exists (NoSuchKey/NoSuchBucket); retrying cannot help — log it
 *   and remove the message.
 * - `denied`: missing permission (AccessDenied, KMS) or credentials S3 refuses (InvalidAccessKeyId,
 *   SignatureDoesNotMatch, ExpiredToken); retrying soon will not help — surface it and let the
 *   message come back later.
 * - `throttled`: SlowDown, 503, 500, timeouts and network errors — retried with backoff.
 * - `too-large`: bigger than `maxObjectBytes`.
 * - `failed`: anything else.
 */
export type S3ReadErrorKind = 'gone' | 'denied' | 'throttled' | 'too-large' | 'failed';

export class S3ReadError extends Error {
  readonly code = 'ERR_S3_READ';
  constructor(
    readonly kind: S3ReadErrorKind,
    /** The AWS error code (or Node error code) behind it, bounded for metrics. */
    readonly errorCode: string,
    readonly ref: ObjectRef,
    options?: { cause?: unknown },
  ) {
    super(`s3://${ref.bucket}/${ref.key}: ${kind} (${errorCode})`, options);
    this.name = 'S3ReadError';
  }

  /** Whether trying again (after a backoff) may succeed. */
  get retryable(): boolean {
    return this.kind === 'throttled';
  }
}

// PreconditionFailed: the announced content was replaced (If-Match on its ETag); NoSuchVersion:
// the announced version was deleted. Either way what the notification announced cannot be read.
const GONE = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound', 'NoSuchVersion', 'PreconditionFailed']);
const DENIED = new Set([
  'AccessDenied',
  'Forbidden',
  'AllAccessDisabled',
  'InvalidObjectState',
  'KMS.AccessDeniedException',
  'AccessDeniedException',
  // The credentials, not the permissions: the code says which, so that nobody looks in IAM for it.
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
]);
const THROTTLED = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'ThrottlingException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

const DEFAULT_READ_IDLE_TIMEOUT_MS = 60_000;
export const DEFAULT_RESPONSE_TIMEOUT_MS = 60_000;
/** How long a bucket where versioned reads were denied is read without them before trying again. */
const VERSION_RETRY_MS = 10 * 60_000;

const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** Names the SDK gives an error whose response carried no code. */
const NO_CODE = new Set(['Unknown', 'UnknownError', 'Error']);

/** `name` when it looks like an AWS error code (bounded, for metrics and messages), else undefined. */
function wellFormedCode(name: string): string | undefined {
  return /^[A-Za-z.]{1,40}$/.test(name) && !NO_CODE.has(name) ? name : undefined;
}

/** Maps any error from an S3 call (or from reading a body) to a kind and a bounded code. */
export function classifyS3Error(err: unknown): { kind: S3ReadErrorKind; errorCode: string } {
  const e = err as { name?: string; Code?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.Code ?? e?.name ?? 'Unknown';
  const status = e?.$metadata?.httpStatusCode;
  const nodeCode = typeof e?.code === 'string' ? e.code : undefined;
  if (GONE.has(name) || status === 404 || status === 412)
    return {
      kind: 'gone',
      errorCode: GONE.has(name) ? name : status === 412 ? 'PreconditionFailed' : 'NotFound',
    };
  // S3 sends a skewed clock as a 403; the SDK corrects its clock from it, so trying again helps.
  if (name === 'RequestTimeTooSkewed') return { kind: 'throttled', errorCode: name };
  // Any other 403 keeps its own code (InvalidAccessKeyId is not a missing permission); one without
  // a code is AccessDenied.
  if (DENIED.has(name) || status === 403)
    return { kind: 'denied', errorCode: wellFormedCode(name) ?? 'AccessDenied' };
  if (nodeCode && THROTTLED.has(nodeCode)) return { kind: 'throttled', errorCode: nodeCode };
  // 502 and 504 come from S3's front ends, VPC endpoints and proxies: as passing as a 503.
  if (THROTTLED.has(name) || (status !== undefined && TRANSIENT_STATUSES.has(status))) {
    return { kind: 'throttled', errorCode: THROTTLED.has(name) ? name : `HTTP${status}` };
  }
  return { kind: 'failed', errorCode: wellFormedCode(name) ?? 'Unknown' };
}

/**
 * How an S3 request that failed with throttling or a network error (kind `throttled`) is retried:
 * GetObject's policy, also used for the ListObjectsV2 pages of `scan s3://…`.
 */
export interface S3RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** The wait after failed attempt `attempt` (1-based), before the next one. */
  backoffMs(attempt: number): number;
  /** Told of each failure that will be retried, before the wait. */
  onRetry?(info: { errorCode: string; attempt: number; retryInMs: number }): void;
  /** How long one attempt waits for a response before it fails as a timeout (and is retried). */
  responseTimeoutMs?: number;
}

export const DEFAULT_S3_MAX_ATTEMPTS = 4;
const DEFAULT_BACKOFF_BASE_MS = 200;
const DEFAULT_BACKOFF_MAX_MS = 5_000;

/**
 * Runs `attempt` until it succeeds, or fails with an error retrying cannot cure (anything but
 * throttling, by classifyS3Error unless `judge` says otherwise), or `policy.maxAttempts` are spent,
 * or `signal` aborts; waits `policy.backoffMs` between attempts and tells `policy.onRetry` first.
 * The one retry loop of GetObject and of the listing of backfills.
 */
export async function withS3Retries<T>(
  policy: S3RetryPolicy,
  signal: AbortSignal | undefined,
  attempt: () => Promise<T>,
  judge: (err: unknown) => { error: unknown; retryable: boolean; errorCode: string } = (err) => {
    const { kind, errorCode } = classifyS3Error(err);
    return { error: err, retryable: kind === 'throttled', errorCode };
  },
): Promise<T> {
  for (let attemptNo = 1; ; attemptNo += 1) {
    try {
      return await attempt();
    } catch (err) {
      const { error, retryable, errorCode } = judge(err);
      if (signal?.aborted || !retryable || attemptNo >= policy.maxAttempts) throw error;
      const retryInMs = policy.backoffMs(attemptNo);
      policy.onRetry?.({ errorCode, attempt: attemptNo, retryInMs });
      await sleep(retryInMs, signal);
      signal?.throwIfAborted();
    }
  }
}

/**
 * Runs `send` with a time limit on its response (for GetObject, on the headers; the body has its
 * own idle timer, watchIdle): the S3 client only times the connection, so an endpoint that accepts
 * it and never answers (a stuck proxy or VPC endpoint) would hold the request for ever. A request
 * past the limit fails with ETIMEDOUT, which classifyS3Error treats as throttled (retried).
 */
export async function withResponseTimeout<T>(
  operation: string,
  limitMs: number,
  signal: AbortSignal | undefined,
  send: (abortSignal: AbortSignal) => Promise<T>,
): Promise<T> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), limitMs);
  try {
    return await send(signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal);
  } catch (err) {
    if (!timeout.signal.aborted || signal?.aborted) throw err;
    throw Object.assign(new Error(`no response to ${operation} for ${limitMs} ms`), {
      code: 'ETIMEDOUT',
      cause: err,
    });
  } finally {
    clearTimeout(timer);
  }
}

/** Exponential backoff with full jitter: random in [0, min(maxMs, baseMs × 2^(attempt−1))]. */
export function jitteredBackoffMs(
  attempt: number,
  baseMs = DEFAULT_BACKOFF_BASE_MS,
  maxMs = DEFAULT_BACKOFF_MAX_MS,
): number {
  return Math.round(Math.random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1)));
}

/** The policy of a reader with default options, for callers that have no reader's at hand. */
export const DEFAULT_S3_RETRY: S3RetryPolicy = {
  maxAttempts: DEFAULT_S3_MAX_ATTEMPTS,
  backoffMs: (attempt) => jitteredBackoffMs(attempt),
};

export interface S3ObjectReaderOptions {
  metrics: Metrics;
  logger: Logger;
  /** Region for notifications that do not name one. */
  defaultRegion: string;
  /** Emulator or VPC endpoint; when set every region's client uses it. */
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials?: S3ClientConfig['credentials'];
  /** Our marker, e.g. `s3-sentinel/0.1.0` (see self-identity.ts), so our own reads are recognised. */
  userAgent: string;
  /** Objects larger than this are refused (`too-large`); unset means no limit. */
  maxObjectBytes?: number;
  /** A flowing body that sends nothing for this long is cut and resumed; default 60 s. */
  readIdleTimeoutMs?: number;
  /** A GetObject without response headers for this long is aborted and retried; default 60 s. */
  responseTimeoutMs?: number;
  /** Attempts for throttling and network errors before giving up; default 4. */
  maxAttempts?: number;
  /** First backoff; doubles per attempt, with full jitter; default 200 ms. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

export interface OpenedObject {
  body: Readable;
  /** From the response; the object's size in bytes when S3 says it. */
  contentLength: number | undefined;
}

/** Counts a read of `entry`'s client; the returned function ends it (once). */
function useClient(entry: RegionClient): () => void {
  entry.reads += 1;
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    entry.reads -= 1;
    if (entry.evicted && entry.reads === 0) entry.client.destroy();
  };
}

/** A ranged read of one object version, to resume a body cut short. */
interface RangedPart {
  range: string;
  ifMatch: string;
  /** The version the first response came from (undefined: the latest, pinned by `ifMatch`). */
  versionId: string | undefined;
}

interface RawBody extends OpenedObject {
  etag: string | undefined;
  /** The version asked for; a resume asks for the same one. */
  versionId: string | undefined;
}

/** S3 clients kept at once, one per region: more than any account's log buckets span. */
const MAX_REGION_CLIENTS = 32;

/** One region's client, and how many reads are using it. */
interface RegionClient {
  client: S3Client;
  reads: number;
  evicted: boolean;
}

export class S3ObjectReader {
  // Bounded, whatever regions notifications name: a client holds sockets and about 30 KB. A client
  // dropped while bodies still stream through it is destroyed when the last of them ends:
  // destroying it at once would cut those reads.
  private readonly clients = new LRUCache<string, RegionClient>({
    max: MAX_REGION_CLIENTS,
    dispose: (entry) => {
      entry.evicted = true;
      if (entry.reads === 0) entry.client.destroy();
    },
  });

  /** Set by close(): a read still starting then (a resume at shutdown) gets a client of its own. */
  private closed = false;
  /**
   * Buckets whose announced versions this role may not read, until when (ms): a versioned read
   * there got `AccessDenied` while the same read without the version succeeded, so the role (or
   * the bucket's policy) lacks s3:GetObjectVersion. Their latest version, pinned by the announced
   * ETag, is read instead; the versioned read is tried again after VERSION_RETRY_MS, in case the
   * grant was added. Per bucket: one bucket's policy says nothing of another's.
   */
  private readonly versionDenied = new LRUCache<string, number>({ max: 1_000 });

  constructor(private readonly options: S3ObjectReaderOptions) {}

  /** The client for `region` (created once), with our user agent marker. */
  clientFor(region?: string): S3Client {
    return this.regionClient(region).client;
  }

  private regionClient(region: string = this.options.defaultRegion): RegionClient {
    let entry = this.clients.get(region);
    if (!entry) {
      const { endpoint, forcePathStyle, credentials, userAgent } = this.options;
      const client = new S3Client({
        region,
        endpoint,
        forcePathStyle,
        credentials,
        customUserAgent: userAgent,
        // Checksum validation of streamed bodies has held whole large objects in memory.
        responseChecksumValidation: 'WHEN_REQUIRED',
        // Retries are ours (below), so that each is counted and classified.
        maxAttempts: 1,
        requestHandler: AWS_STREAM_TIMEOUTS,
      });
      // After close() nothing would destroy a cached client: it is destroyed when its read ends.
      entry = { client, reads: 0, evicted: this.closed };
      if (!this.closed) this.clients.set(region, entry);
    }
    return entry;
  }

  /**
   * Starts GetObject for `ref` and returns its body as a stream. Throttling and network errors
   * before the body starts are retried with backoff; everything else throws an S3ReadError at once.
   * A throttling or network error while the body streams (a connection reset half-way) resumes the
   * read where it stopped — a ranged GetObject of the same object version (`If-Match` its ETag) —
   * so the reader downstream, gunzip included, sees one unbroken stream. Other errors, or one the
   * retries do not cure, surface as an S3ReadError on the stream.
   */
  async open(ref: ObjectRef, signal?: AbortSignal): Promise<OpenedObject> {
    const first = await this.openWithRetries(ref, signal);
    const guarded = this.guard(ref);
    const { etag, versionId } = first;
    let current = first.body;
    let received = 0;
    let resumes = 0;
    const maxResumes = (this.options.maxAttempts ?? DEFAULT_S3_MAX_ATTEMPTS) - 1;
    const attach = (body: Readable) => {
      current = body;
      const stopWatching = this.watchIdle(body);
      body.on('data', (chunk: Buffer) => (received += chunk.length));
      body.on('end', () => guarded.end());
      body.on('close', stopWatching);
      // pipe() alone forwards no errors: re-raise body errors, classified, on the stream we return.
      body.on('error', (err) => {
        const error = err instanceof S3ReadError ? err : this.toReadError(err, ref);
        body.unpipe(guarded);
        body.destroy();
        if (!error.retryable || etag === undefined || resumes >= maxResumes || signal?.aborted) {
          guarded.destroy(error);
          return;
        }
        resumes += 1;
        void this.resume(ref, signal, { etag, versionId, from: received, attempt: resumes, error }).then(
          (next) => (guarded.destroyed ? next.destroy() : attach(next)),
          (resumeError: unknown) => guarded.destroy(resumeError as Error),
        );
      });
      body.pipe(guarded, { end: false });
    };
    // Release the connection when the reader stops early or the guard fails.
    guarded.on('close', () => current.destroy());
    attach(first.body);
    return { body: guarded, contentLength: first.contentLength };
  }

  /**
   * Destroys `body` with a retryable timeout when no byte arrives for `readIdleTimeoutMs` while it
   * flows: a connection that stalls without closing would otherwise hold its object (and a
   * concurrency slot) until `maxInFlightSeconds`. A body paused by back-pressure — the reader
   * downstream is busy, or waiting for alerts to drain — is not idle, and is not timed.
   */
  private watchIdle(body: Readable): () => void {
    const idleMs = this.options.readIdleTimeoutMs ?? DEFAULT_READ_IDLE_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const stop = () => clearTimeout(timer);
    const arm = () => {
      stop();
      timer = setTimeout(() => {
        body.destroy(Object.assign(new Error(`no data for ${idleMs} ms`), { code: 'ETIMEDOUT' }));
      }, idleMs);
      timer.unref();
    };
    body.on('data', arm);
    body.on('resume', arm);
    body.on('pause', stop);
    return stop;
  }

  /** The rest of an object from byte `from` on, after `error` cut its body short. */
  private async resume(
    ref: ObjectRef,
    signal: AbortSignal | undefined,
    {
      etag,
      versionId,
      from,
      attempt,
      error,
    }: { etag: string; versionId: string | undefined; from: number; attempt: number; error: S3ReadError },
  ): Promise<Readable> {
    const delayMs = this.backoff(attempt);
    this.options.logger.warn(
      {
        bucket: ref.bucket,
        key: ref.key,
        errorCode: error.errorCode,
        attempt,
        fromByte: from,
        retryInMs: delayMs,
      },
      'log object read broke off; resuming where it stopped',
    );
    await sleep(delayMs, signal);
    return (await this.openWithRetries(ref, signal, { range: `bytes=${from}-`, ifMatch: etag, versionId }))
      .body;
  }

  private openWithRetries(ref: ObjectRef, signal?: AbortSignal, part?: RangedPart): Promise<RawBody> {
    const policy: S3RetryPolicy = {
      maxAttempts: this.options.maxAttempts ?? DEFAULT_S3_MAX_ATTEMPTS,
      backoffMs: (attempt) => this.backoff(attempt),
      // Counted where the error is made (toReadError), not here.
      onRetry: ({ errorCode, attempt, retryInMs }) =>
        this.options.logger.warn(
          { bucket: ref.bucket, key: ref.key, errorCode, attempt, retryInMs },
          'GetObject failed; retrying',
        ),
    };
    return withS3Retries(
      policy,
      signal,
      () => this.openOnce(ref, signal, part),
      (err) => {
        const error = err instanceof S3ReadError ? err : this.toReadError(err, ref);
        return { error, retryable: error.retryable, errorCode: error.errorCode };
      },
    );
  }

  /**
   * This reader's retry policy (attempts, backoff) for another S3 call of the same work — the
   * listing of `scan s3://…` —, each retry counted in `s3_sentinel_s3_errors_total{code}` and logged
   * as `<operation> failed; retrying` with `context`.
   */
  retryPolicy(operation: string, context: Record<string, unknown> = {}): S3RetryPolicy {
    return {
      maxAttempts: this.options.maxAttempts ?? DEFAULT_S3_MAX_ATTEMPTS,
      backoffMs: (attempt) => this.backoff(attempt),
      responseTimeoutMs: this.options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS,
      onRetry: ({ errorCode, attempt, retryInMs }) => {
        this.options.metrics.s3Errors.inc({ code: errorCode });
        this.options.logger.warn(
          { ...context, errorCode, attempt, retryInMs },
          `${operation} failed; retrying`,
        );
      },
    };
  }

  /** Releases every client's sockets. */
  close(): void {
    this.closed = true;
    this.clients.clear(); // destroys each (dispose), or once its last read ends
  }

  private async openOnce(
    ref: ObjectRef,
    signal: AbortSignal | undefined,
    part?: RangedPart,
  ): Promise<RawBody> {
    const { maxObjectBytes } = this.options;
    if (maxObjectBytes !== undefined && ref.size !== undefined && ref.size > maxObjectBytes) {
      throw this.count(new S3ReadError('too-large', 'ObjectTooLarge', ref));
    }
    const entry = this.regionClient(ref.region);
    const endUse = useClient(entry);
    let response;
    let versionId: string | undefined;
    try {
      const deniedUntil = this.versionDenied.get(ref.bucket);
      // A resume asks for what its first response was; a first read, for what was announced.
      versionId = part
        ? part.versionId
        : deniedUntil !== undefined && Date.now() < deniedUntil
          ? undefined
          : ref.versionId;
      try {
        response = await this.getObject(entry, ref, versionId, part, signal);
      } catch (err) {
        // Only a plain AccessDenied can be the missing version permission (a clock skew or an
        // expiring token is a 403 too, and says so).
        if (part || versionId === undefined || classifyS3Error(err).errorCode !== 'AccessDenied') throw err;
        response = await this.getObject(entry, ref, undefined, part, signal).catch((fallbackErr: unknown) => {
          // Denied either way: not the version permission, and the first answer says so. Any other
          // failure (throttled, replaced, gone) is the fallback's own.
          throw classifyS3Error(fallbackErr).kind === 'denied' ? err : fallbackErr;
        });
        if (deniedUntil === undefined) {
          this.options.logger.warn(
            { bucket: ref.bucket },
            's3:GetObjectVersion is not granted on this bucket: reading the latest version of its log objects, pinned by the announced ETag, instead of the announced version (grant it: see docs/ingestion.md)',
          );
        }
        this.versionDenied.set(ref.bucket, Date.now() + VERSION_RETRY_MS);
        versionId = undefined;
      }
    } catch (err) {
      endUse();
      throw err;
    }
    const body = response.Body as Readable | undefined;
    if (!body) {
      endUse();
      throw this.count(new S3ReadError('failed', 'EmptyBody', ref));
    }
    body.once('close', endUse);
    const contentLength = response.ContentLength;
    if (
      !part &&
      maxObjectBytes !== undefined &&
      contentLength !== undefined &&
      contentLength > maxObjectBytes
    ) {
      body.destroy();
      throw this.count(new S3ReadError('too-large', 'ObjectTooLarge', ref));
    }
    return { body, contentLength, etag: response.ETag, versionId };
  }

  /**
   * One GetObject of what the notification announced: its version when known (a versioned bucket),
   * else the latest object with If-Match on the announced ETag, so that content replaced since the
   * notification is refused (412) rather than read in its place. A ranged resume pins the ETag of
   * its first response instead.
   */
  private getObject(
    entry: RegionClient,
    ref: ObjectRef,
    versionId: string | undefined,
    part: RangedPart | undefined,
    signal: AbortSignal | undefined,
  ) {
    return this.withResponseTimeout(signal, (abortSignal) =>
      entry.client.send(
        new GetObjectCommand({
          Bucket: ref.bucket,
          Key: ref.key,
          VersionId: versionId,
          Range: part?.range,
          IfMatch: part?.ifMatch ?? (versionId === undefined ? ref.etag : undefined),
        }),
        { abortSignal },
      ),
    );
  }

  /** `withResponseTimeout` with this reader's limit: the limit ends with the response headers. */
  private withResponseTimeout<T>(
    signal: AbortSignal | undefined,
    send: (abortSignal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const limitMs = this.options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
    return withResponseTimeout('GetObject', limitMs, signal, send);
  }

  /** Re-raises body errors as S3ReadError and enforces `maxObjectBytes` on the bytes that arrive. */
  private guard(ref: ObjectRef): Transform {
    const { maxObjectBytes } = this.options;
    let seen = 0;
    const guard = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        seen += chunk.length;
        if (maxObjectBytes !== undefined && seen > maxObjectBytes) {
          callback(this.count(new S3ReadError('too-large', 'ObjectTooLarge', ref)));
        } else callback(null, chunk);
      },
    });
    return guard;
  }

  private toReadError(err: unknown, ref: ObjectRef): S3ReadError {
    const { kind, errorCode } = classifyS3Error(err);
    return this.count(new S3ReadError(kind, errorCode, ref, { cause: err }));
  }

  private count(error: S3ReadError): S3ReadError {
    this.options.metrics.s3Errors.inc({ code: error.errorCode });
    return error;
  }

  private backoff(attempt: number): number {
    return jitteredBackoffMs(attempt, this.options.backoffBaseMs, this.options.backoffMaxMs);
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
