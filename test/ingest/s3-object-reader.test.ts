import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { forEachLine } from '../../src/ingest/decode.js';
import {
  S3ObjectReader,
  S3ReadError,
  classifyS3Error,
  type S3ObjectReaderOptions,
} from '../../src/ingest/s3-object-reader.js';
import { ownUserAgent } from '../../src/ingest/self-identity.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { startFauxqsHarness, type FauxqsHarness } from '../helpers/fauxqs.js';
import { captureLogger } from '../helpers/logs.js';
import { metricValue } from '../helpers/metrics.js';

let fauxqs: FauxqsHarness;
let bucket: string;

beforeAll(async () => {
  fauxqs = await startFauxqsHarness();
  bucket = fauxqs.createBucket();
});
afterAll(async () => {
  await fauxqs.stop();
});

function reader(overrides: Partial<S3ObjectReaderOptions> = {}) {
  const metrics = createMetrics();
  const { logger } = captureLogger();
  const r = new S3ObjectReader({
    metrics,
    logger,
    defaultRegion: fauxqs.region,
    endpoint: fauxqs.endpoint,
    forcePathStyle: true,
    credentials: fauxqs.clientConfig.credentials,
    userAgent: ownUserAgent('9.9.9'),
    backoffBaseMs: 1,
    ...overrides,
  });
  return { reader: r, metrics };
}

async function put(key: string, body: Uint8Array | string): Promise<void> {
  await fauxqs.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

async function readLines(body: NodeJS.ReadableStream): Promise<string[]> {
  const lines: string[] = [];
  await forEachLine(body, { line: (text) => lines.push(text), tooLong: () => {} });
  return lines;
}

const LOG_LINES = [
  '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /awsexamplebucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.2 - -',
  '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 891CE47D2EXAMPLE REST.GET.LOGGING_STATUS - "GET /awsexamplebucket1?logging HTTP/1.1" 200 - 242 - 11 - "-" "S3Console/0.4" - 9vKBE6vMhrNiWHZmb2L0mXOcqPGzQOI5XLnCtZNPxev+Hf+7tpT6sxDwDty4LHBUOZJG96N1234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.2 - -',
];

describe('S3ObjectReader against fauxqs', () => {
  it('streams a plain object', async () => {
    await put('logs/plain', `${LOG_LINES.join('\n')}\n`);
    const { reader: r } = reader();
    const opened = await r.open({ bucket, key: 'logs/plain' });
    expect(await readLines(opened.body)).toEqual(LOG_LINES);
    r.close();
  });

  it('streams a gzip object (detected by magic bytes by decode.ts)', async () => {
    const gz = gzipSync(Buffer.from(`${LOG_LINES.join('\n')}\n`));
    await put('logs/2019-02-06-00-00-38-GZIPPED', gz);
    const { reader: r } = reader();
    const opened = await r.open({ bucket, key: 'logs/2019-02-06-00-00-38-GZIPPED' });
    expect(opened.contentLength).toBe(gz.length);
    expect(await readLines(opened.body)).toEqual(LOG_LINES);
    r.close();
  });

  it('reads a key with spaces and plus signs exactly as decoded from the notification', async () => {
    await put('logs/with space+plus', 'one line\n');
    const { reader: r } = reader();
    const opened = await r.open({ bucket, key: 'logs/with space+plus' });
    expect(await readLines(opened.body)).toEqual(['one line']);
    r.close();
  });

  it('classifies a missing object as gone (NoSuchKey), without retrying, and counts it', async () => {
    const { reader: r, metrics } = reader();
    const error = await r.open({ bucket, key: 'logs/never-written' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3ReadError);
    expect((error as S3ReadError).kind).toBe('gone');
    expect((error as S3ReadError).errorCode).toBe('NoSuchKey');
    expect((error as S3ReadError).retryable).toBe(false);
    expect((error as S3ReadError).message).toContain(`s3://${bucket}/logs/never-written`);
    expect(await metricValue(metrics.s3Errors, { code: 'NoSuchKey' })).toBe(1);
    r.close();
  });

  it('refuses an object above maxObjectBytes, by notification size or by the bytes that arrive', async () => {
    await put('logs/big', 'x'.repeat(2_000));
    const { reader: r } = reader({ maxObjectBytes: 1_000 });
    await expect(r.open({ bucket, key: 'logs/big', size: 2_000 })).rejects.toMatchObject({
      kind: 'too-large',
    });
    await expect(r.open({ bucket, key: 'logs/big' })).rejects.toMatchObject({ kind: 'too-large' });
    r.close();
  });
});

// Log objects are written once: content that changed between the notification and the read means
// someone replaced it, and reading the replacement would hide what the announced object recorded.
describe('S3ObjectReader reads what the notification announced', () => {
  it('pins the announced ETag: a replaced object is gone (PreconditionFailed), not read', async () => {
    const written = await fauxqs.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'logs/pinned', Body: `${LOG_LINES[0]}\n` }),
    );
    const { reader: r } = reader();
    const announced = { bucket, key: 'logs/pinned', etag: written.ETag! };
    expect(await readLines((await r.open(announced)).body)).toEqual([LOG_LINES[0]]);
    await put('logs/pinned', 'harmless replacement\n');
    await expect(r.open(announced)).rejects.toMatchObject({ kind: 'gone', errorCode: 'PreconditionFailed' });
    r.close();
  });

  describe('on a versioned bucket', () => {
    let server: ReturnType<typeof createServer>;
    let endpoint: string;
    let seen: string[] = [];
    /** What a versioned read of a bucket answers, and then what a read of the latest answers. */
    let versioned: Record<string, [number, string]> = {};
    let latest: Array<[number, string]> = [];

    beforeAll(async () => {
      // fauxqs keeps no versions: this endpoint answers as S3 does, and records what was asked.
      server = createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://x');
        const bucketName = url.pathname.split('/')[1]!;
        const versionId = url.searchParams.get('versionId');
        seen.push(`${bucketName} ${versionId ?? '-'} ${String(req.headers['if-match'] ?? '-')}`);
        const [status, code] = (versionId !== null ? versioned[bucketName] : latest.shift()) ?? [200, ''];
        if (status !== 200) {
          res.writeHead(status, { 'content-type': 'application/xml' });
          res.end(`<?xml version="1.0"?><Error><Code>${code}</Code><Message>x</Message></Error>`);
          return;
        }
        res.writeHead(200, { 'content-type': 'binary/octet-stream', etag: '"e1"' });
        res.end(versionId === 'v1' ? 'announced\n' : 'latest\n');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    function versionedReader() {
      const { logger, lines } = captureLogger();
      const r = new S3ObjectReader({
        metrics: createMetrics(),
        logger,
        defaultRegion: fauxqs.region,
        endpoint,
        forcePathStyle: true,
        credentials: fauxqs.clientConfig.credentials,
        userAgent: ownUserAgent('9.9.9'),
        backoffBaseMs: 1,
      });
      return { r, lines };
    }
    const announced = (bucketName: string) => ({
      bucket: bucketName,
      key: 'k',
      versionId: 'v1',
      etag: '"e1"',
    });

    it('reads the announced version, not the latest', async () => {
      seen = [];
      versioned = {};
      const { r } = versionedReader();
      expect(await readLines((await r.open(announced('b'))).body)).toEqual(['announced']);
      expect(seen).toEqual(['b v1 -']); // the version pins it; no If-Match needed
      r.close();
    });

    // A role granted only s3:GetObject (the policy before versions were read) must keep working.
    it('where s3:GetObjectVersion is not granted, reads the latest pinned by the ETag, and says so once', async () => {
      seen = [];
      versioned = { denied: [403, 'AccessDenied'] };
      const { r, lines } = versionedReader();
      for (let i = 0; i < 2; i++) {
        expect(await readLines((await r.open(announced('denied'))).body)).toEqual(['latest']);
      }
      // Another bucket's policy may grant it: still asked for there.
      expect(await readLines((await r.open(announced('granted'))).body)).toEqual(['announced']);
      expect(seen).toEqual(['denied v1 -', 'denied - "e1"', 'denied - "e1"', 'granted v1 -']);
      expect(lines().filter((line) => String(line.msg).includes('s3:GetObjectVersion'))).toHaveLength(1);
      r.close();
    });

    it('does not give up versions for a 403 that is not a missing permission', async () => {
      seen = [];
      versioned = { skewed: [403, 'ExpiredToken'] };
      const { r } = versionedReader();
      await expect(r.open(announced('skewed'))).rejects.toMatchObject({
        kind: 'denied',
        errorCode: 'ExpiredToken',
      });
      expect(seen).toEqual(['skewed v1 -']);
      r.close();
    });

    // The fallback's own answer counts: content replaced since the notification is gone, not denied.
    it('reports what the read without the version found: replaced, or denied as well', async () => {
      versioned = { b: [403, 'AccessDenied'], c: [403, 'AccessDenied'] };
      const { r } = versionedReader();
      latest = [[412, 'PreconditionFailed']];
      await expect(r.open(announced('b'))).rejects.toMatchObject({
        kind: 'gone',
        errorCode: 'PreconditionFailed',
      });
      latest = [[403, 'AccessDenied']];
      await expect(r.open(announced('c'))).rejects.toMatchObject({
        kind: 'denied',
        errorCode: 'AccessDenied',
      });
      r.close();
    });
  });
});

describe('S3ObjectReader against a throttling endpoint', () => {
  let requests: IncomingHttpHeaders[] = [];
  let statuses: number[] = [];
  let server: ReturnType<typeof createServer>;
  let endpoint: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.headers);
      const status = statuses.shift() ?? 200;
      if (status === 503) {
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
        );
      } else if (status === 403) {
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
        );
      } else {
        res.writeHead(200, { 'content-type': 'binary/octet-stream', 'content-length': '6' });
        res.end('hello\n');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('retries SlowDown with backoff, counts each, then succeeds; sends our user agent marker', async () => {
    requests = [];
    statuses = [503, 503];
    const { reader: r, metrics } = reader({ endpoint, maxAttempts: 4 });
    const opened = await r.open({ bucket: 'b', key: 'k' });
    expect(await readLines(opened.body)).toEqual(['hello']);
    expect(requests).toHaveLength(3);
    expect(await metricValue(metrics.s3Errors, { code: 'SlowDown' })).toBe(2);
    expect(String(requests[0]?.['user-agent'] ?? requests[0]?.['x-amz-user-agent'])).toContain(
      's3-sentinel/9.9.9',
    );
    r.close();
  });

  it('gives up after maxAttempts of throttling', async () => {
    requests = [];
    statuses = [503, 503, 503];
    const { reader: r } = reader({ endpoint, maxAttempts: 3 });
    await expect(r.open({ bucket: 'b', key: 'k' })).rejects.toMatchObject({
      kind: 'throttled',
      errorCode: 'SlowDown',
    });
    expect(requests).toHaveLength(3);
    r.close();
  });

  it('does not retry AccessDenied', async () => {
    requests = [];
    statuses = [403];
    const { reader: r, metrics } = reader({ endpoint });
    await expect(r.open({ bucket: 'b', key: 'k' })).rejects.toMatchObject({
      kind: 'denied',
      errorCode: 'AccessDenied',
    });
    expect(requests).toHaveLength(1);
    expect(await metricValue(metrics.s3Errors, { code: 'AccessDenied' })).toBe(1);
    r.close();
  });
});

describe('S3ObjectReader clients', () => {
  // Notifications name the region; however many they name, the clients (and sockets) stay bounded.
  it('keeps at most 32 region clients, destroying the ones it drops', () => {
    const { reader: r } = reader();
    const first = r.clientFor('first-region-1');
    const destroyed = vi.spyOn(first, 'destroy');
    for (let i = 0; i < 32; i++) r.clientFor(`other-region-${i}`);
    expect(destroyed).toHaveBeenCalledOnce();
    expect(r.clientFor('first-region-1')).not.toBe(first);
    r.close();
  });

  // A resume or retry still starting at shutdown: nothing else would ever destroy its client.
  it('destroys a client made after close() once its read ends', async () => {
    await put('logs/after-close', `${LOG_LINES.join('\n')}\n`);
    const { reader: r } = reader();
    r.close();
    const destroyed = vi.spyOn(S3Client.prototype, 'destroy');
    try {
      const opened = await r.open({ bucket, key: 'logs/after-close' });
      expect(destroyed).not.toHaveBeenCalled();
      expect(await readLines(opened.body)).toEqual(LOG_LINES);
      await new Promise((resolve) => setImmediate(resolve)); // the body's close event
      expect(destroyed).toHaveBeenCalledOnce();
    } finally {
      destroyed.mockRestore();
    }
  });

  // A notification naming the 33rd region must not cut a read that is streaming right now.
  it('destroys a dropped client only once the reads using it have ended', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => LOG_LINES[i % 2]!);
    await put('logs/evicted-mid-read', `${lines.join('\n')}\n`);
    const { reader: r } = reader();
    const client = r.clientFor(fauxqs.region);
    const destroyed = vi.spyOn(client, 'destroy');
    const opened = await r.open({ bucket, key: 'logs/evicted-mid-read', region: fauxqs.region });
    for (let i = 0; i < 32; i++) r.clientFor(`other-region-${i}`);
    expect(destroyed).not.toHaveBeenCalled();
    expect(await readLines(opened.body)).toEqual(lines);
    await new Promise((resolve) => setImmediate(resolve)); // the body's close event
    expect(destroyed).toHaveBeenCalledOnce();
    r.close();
  });
});

describe('classifyS3Error', () => {
  it.each([
    [{ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }, 'gone', 'NoSuchKey'],
    [{ name: 'NoSuchBucket' }, 'gone', 'NoSuchBucket'],
    [{ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }, 'denied', 'AccessDenied'],
    [{ name: 'SlowDown', $metadata: { httpStatusCode: 503 } }, 'throttled', 'SlowDown'],
    [{ name: 'Unknown', $metadata: { httpStatusCode: 503 } }, 'throttled', 'HTTP503'],
    [{ name: 'Unknown', $metadata: { httpStatusCode: 502 } }, 'throttled', 'HTTP502'],
    [{ name: 'Unknown', $metadata: { httpStatusCode: 504 } }, 'throttled', 'HTTP504'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'throttled', 'ECONNRESET'],
    [{ name: 'InvalidRange', $metadata: { httpStatusCode: 416 } }, 'failed', 'InvalidRange'],
    // S3 answers a skewed clock with a 403; the SDK corrects its clock from it.
    [
      { name: 'RequestTimeTooSkewed', $metadata: { httpStatusCode: 403 } },
      'throttled',
      'RequestTimeTooSkewed',
    ],
    [{ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } }, 'gone', 'PreconditionFailed'],
    [{ name: 'NoSuchVersion', $metadata: { httpStatusCode: 404 } }, 'gone', 'NoSuchVersion'],
  ])('%o → %s', (err, kind, errorCode) => {
    expect(classifyS3Error(err)).toEqual({ kind, errorCode });
  });

  // "cannot list objects (AccessDenied)" sent users to IAM when their access key was wrong.
  it('keeps the code of a 403 that names one, still denied; AccessDenied when it names none', () => {
    const forbidden = (name: string) => ({ name, $metadata: { httpStatusCode: 403 } });
    expect(classifyS3Error(forbidden('InvalidAccessKeyId'))).toEqual({
      kind: 'denied',
      errorCode: 'InvalidAccessKeyId',
    });
    expect(classifyS3Error(forbidden('SignatureDoesNotMatch'))).toEqual({
      kind: 'denied',
      errorCode: 'SignatureDoesNotMatch',
    });
    // S3 answers an expired session token with a 400.
    expect(classifyS3Error({ name: 'ExpiredToken', $metadata: { httpStatusCode: 400 } })).toEqual({
      kind: 'denied',
      errorCode: 'ExpiredToken',
    });
    expect(classifyS3Error(forbidden('Unknown'))).toEqual({ kind: 'denied', errorCode: 'AccessDenied' });
    // Bounded, for the metric's label: a code that is not a code name is not kept.
    expect(classifyS3Error(forbidden('<html>Forbidden</html>'))).toEqual({
      kind: 'denied',
      errorCode: 'AccessDenied',
    });
    expect(classifyS3Error(forbidden('X'.repeat(41)))).toEqual({ kind: 'denied', errorCode: 'AccessDenied' });
  });
});

describe('S3ObjectReader when a body breaks off half-way', () => {
  /** A proxy in front of fauxqs whose `cut` decides, per GET, after how many body bytes to drop it. */
  let proxy: ReturnType<typeof createServer>;
  let endpoint: string;
  let gets: IncomingHttpHeaders[] = [];
  let urls: string[] = [];
  let cut: (n: number) => number | undefined = () => undefined;
  /** Per GET: after how many body bytes to stop sending, keeping the connection open. */
  let stall: (n: number) => number | undefined = () => undefined;
  /** Per GET: whether to accept it and never answer (no headers). */
  let hang: (n: number) => boolean = () => false;

  beforeAll(async () => {
    proxy = createServer((req, res) => {
      const n = gets.push(req.headers) - 1;
      urls.push(req.url ?? '/');
      if (hang(n)) return; // a stuck proxy: the connection stays open, nothing comes back
      const upstream = request(
        `${fauxqs.endpoint}${req.url ?? '/'}`,
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          const stallAt = stall(n);
          if (stallAt !== undefined) {
            let sent = 0;
            answer.on('data', (chunk: Buffer) => {
              if (sent < stallAt) res.write(chunk.subarray(0, stallAt - sent));
              sent += chunk.length;
            });
            return; // never ends: a connection that went quiet
          }
          const limit = cut(n);
          if (limit === undefined) return void answer.pipe(res);
          let sent = 0;
          answer.on('data', (chunk: Buffer) => {
            if (sent >= limit) return;
            const part = chunk.subarray(0, limit - sent);
            sent += chunk.length;
            // A connection reset half-way: once the bytes before it are on their way.
            res.write(part, () => {
              if (sent >= limit) res.socket?.destroy();
            });
          });
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    gets = [];
    urls = [];
    cut = () => undefined;
    stall = () => undefined;
    hang = () => false;
  });
  afterAll(async () => {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  });

  const many = Array.from({ length: 400 }, (_, i) =>
    LOG_LINES[i % 2]!.replace('3E57427F3EXAMPLE', `ID${i}X`),
  );

  it.each([
    ['plain', Buffer.from(`${many.join('\n')}\n`)],
    ['gzip', gzipSync(`${many.join('\n')}\n`)],
  ])('resumes a %s object where it stopped, with a ranged read of the same version', async (kind, bytes) => {
    await put(`logs/cut-${kind}`, bytes);
    gets = [];
    cut = (n) => (n < 2 ? Math.floor(bytes.length / (3 - n)) : undefined); // cut twice, then whole
    const { reader: r, metrics } = reader({ endpoint });
    const opened = await r.open({ bucket, key: `logs/cut-${kind}` });
    expect(await readLines(opened.body)).toEqual(many);
    expect(gets).toHaveLength(3);
    expect(gets[0]!.range).toBeUndefined();
    expect(gets[1]!.range).toBe(`bytes=${Math.floor(bytes.length / 3)}-`);
    // The second cut is counted in the ranged reply, after the first third.
    expect(gets[2]!.range).toBe(`bytes=${Math.floor(bytes.length / 3) + Math.floor(bytes.length / 2)}-`);
    expect(gets[2]!['if-match']).toMatch(/^"[0-9a-f]+"$/);
    expect(await metricValue(metrics.s3Errors, { code: 'ECONNRESET' })).toBeGreaterThanOrEqual(2);
    r.close();
  });

  // The rest of the announced version, not of whatever is the latest by then.
  it('resumes a versioned read with the same version', async () => {
    const bytes = Buffer.from(`${many.join('\n')}\n`);
    await put('logs/cut-versioned', bytes); // fauxqs keeps no versions and ignores the versionId
    cut = (n) => (n === 0 ? Math.floor(bytes.length / 2) : undefined);
    const { reader: r } = reader({ endpoint });
    const opened = await r.open({ bucket, key: 'logs/cut-versioned', versionId: 'v1' });
    expect(await readLines(opened.body)).toEqual(many);
    expect(urls.map((url) => new URL(url, 'http://x').searchParams.get('versionId'))).toEqual(['v1', 'v1']);
    expect(gets[1]!.range).toBe(`bytes=${Math.floor(bytes.length / 2)}-`);
    r.close();
  });

  it('cuts a body that goes quiet and resumes it, but never one that back-pressure paused', async () => {
    const bytes = Buffer.from(`${many.join('\n')}\n`);
    await put('logs/quiet', bytes);
    gets = [];
    stall = (n) => (n === 0 ? 5000 : undefined);
    const { reader: r } = reader({ endpoint, readIdleTimeoutMs: 150 });
    expect(await readLines((await r.open({ bucket, key: 'logs/quiet' })).body)).toEqual(many);
    expect(gets.map((headers) => headers.range)).toEqual([undefined, 'bytes=5000-']);

    // A reader that takes its time over each chunk (alerts draining) is not a stalled connection.
    stall = () => undefined;
    const big = Buffer.concat(Array.from({ length: 8 }, () => bytes));
    await put('logs/slow-reader', big);
    gets = [];
    const opened = await r.open({ bucket, key: 'logs/slow-reader' });
    let total = 0;
    let chunks = 0;
    for await (const chunk of opened.body as AsyncIterable<Buffer>) {
      total += chunk.length;
      // Twice the idle timeout over each of the first chunks, while S3 has plenty more to send.
      if (chunks++ < 3) await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(total).toBe(big.length);
    expect(gets).toHaveLength(1);
    r.close();
  });

  // The client times only the connection: an answer that never comes held the slot for an hour.
  it('retries a GetObject that gets no response headers in time', async () => {
    await put('logs/unanswered', `${many.join('\n')}\n`);
    gets = [];
    hang = (n) => n === 0;
    const { reader: r, metrics } = reader({ endpoint, responseTimeoutMs: 1000 });
    expect(await readLines((await r.open({ bucket, key: 'logs/unanswered' })).body)).toEqual(many);
    expect(gets).toHaveLength(2);
    expect(await metricValue(metrics.s3Errors, { code: 'ETIMEDOUT' })).toBe(1);
    r.close();
  });

  it('fails the read, as before, when the object changed meanwhile or the breaks do not stop', async () => {
    const original = Buffer.from(`${many.join('\n')}\n`);
    await put('logs/changing', original);
    gets = [];
    cut = (n) => {
      if (n === 0) setImmediate(() => void put('logs/changing', 'replaced\n'));
      return n === 0 ? 1000 : undefined;
    };
    const { reader: r } = reader({ endpoint });
    const changed = await r.open({ bucket, key: 'logs/changing' });
    await expect(readLines(changed.body)).rejects.toMatchObject({ errorCode: 'PreconditionFailed' });

    await put('logs/breaking', original);
    gets = [];
    cut = () => 100;
    const breaking = await r.open({ bucket, key: 'logs/breaking' });
    await expect(readLines(breaking.body)).rejects.toMatchObject({ kind: 'throttled' });
    expect(gets).toHaveLength(4); // the first read and 3 resumes (maxAttempts 4)
    r.close();
  });
});
