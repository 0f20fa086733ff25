import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listObjects, parseS3Url } from '../../src/ingest/s3-prefix-lister.js';
import type { S3RetryPolicy } from '../../src/ingest/s3-object-reader.js';
import { startFauxqsHarness, type FauxqsHarness } from '../helpers/fauxqs.js';
import { startS3FaultProxy, type S3Fault, type S3FaultProxy } from '../helpers/s3-fault-proxy.js';

let fauxqs: FauxqsHarness;
beforeAll(async () => {
  fauxqs = await startFauxqsHarness();
});
afterAll(async () => {
  await fauxqs.stop();
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** A client as the reader makes them: no SDK retries, so that the lister's own are what is tested. */
function clientFor(endpoint: string): S3Client {
  return new S3Client({ ...fauxqs.clientConfig, endpoint, forcePathStyle: true, maxAttempts: 1 });
}

async function keysOf(refs: AsyncIterable<{ key: string }>): Promise<string[]> {
  const keys: string[] = [];
  for await (const ref of refs) keys.push(ref.key);
  return keys;
}

describe('parseS3Url', () => {
  it('splits bucket and prefix', () => {
    expect(parseS3Url('s3://logs/access/2024/')).toEqual({ bucket: 'logs', prefix: 'access/2024/' });
    expect(parseS3Url('s3://logs')).toEqual({ bucket: 'logs', prefix: '' });
  });
  it('names the bad input', () => {
    expect(() => parseS3Url('https://logs/x')).toThrow(
      'not an S3 URL (expected s3://bucket/prefix): https://logs/x',
    );
    expect(() => parseS3Url('s3:///x')).toThrow(/not an S3 URL/);
  });
});

describe('listObjects against fauxqs', () => {
  it('pages through every key under the prefix and nothing else', async () => {
    const bucket = fauxqs.createBucket();
    const keys = Array.from({ length: 7 }, (_, i) => `access/2024-05-01-00-00-0${i}-ABC`);
    // fauxqs ignores EncodingType: keys that would decode differently must come back as they are.
    keys.push('access/2024-05-01-00-00-07-A+B%41 C');
    for (const key of [...keys, 'other/2024-05-01-00-00-00-XYZ']) {
      await fauxqs.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `line ${key}\n` }));
    }
    const refs = [];
    for await (const ref of listObjects(fauxqs.s3, parseS3Url(`s3://${bucket}/access/`), {
      pageSize: 3,
      region: 'eu-west-1',
    })) {
      refs.push(ref);
    }
    expect(refs.map((r) => r.key)).toEqual(keys);
    expect(
      refs.every(
        (r) =>
          r.bucket === bucket && r.region === 'eu-west-1' && r.size === Buffer.byteLength(`line ${r.key}\n`),
      ),
    ).toBe(true);
  });
});

describe('listObjects when a page fails', () => {
  /** fauxqs behind a proxy; `fault` decides, per listing request with a continuation token, what goes wrong. */
  let proxy: S3FaultProxy;
  let bucket: string;
  let pages: string[] = [];
  let fault: (n: number) => S3Fault = () => undefined;
  const keys = Array.from({ length: 7 }, (_, i) => `logs/${i}`);

  beforeAll(async () => {
    bucket = fauxqs.createBucket();
    for (const key of keys) {
      await fauxqs.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${key}\n` }));
    }
    proxy = await startS3FaultProxy(fauxqs.endpoint, (url) =>
      url.includes('continuation-token') ? fault(pages.push(url) - 1) : undefined,
    );
  });
  afterAll(async () => {
    await proxy.close();
  });

  function list(retry: S3RetryPolicy) {
    pages = [];
    return listObjects(clientFor(proxy.endpoint), parseS3Url(`s3://${bucket}/logs/`), { pageSize: 2, retry });
  }

  // One 503 or reset half-way through a large prefix stopped the whole backfill.
  it('asks again for a page that failed with throttling or a reset connection, with backoff', async () => {
    fault = (n) => (n === 0 ? 'slowdown' : n === 2 || n === 3 ? 'reset' : undefined);
    const retries: Array<{ errorCode: string; attempt: number; retryInMs: number }> = [];
    const waits: number[] = [];
    const keysListed = await keysOf(
      list({
        maxAttempts: 3,
        backoffMs: (attempt) => {
          waits.push(attempt);
          return attempt * 5;
        },
        onRetry: (info) => retries.push(info),
      }),
    );
    expect(keysListed).toEqual(keys);
    expect(retries).toEqual([
      { errorCode: 'SlowDown', attempt: 1, retryInMs: 5 },
      { errorCode: 'ECONNRESET', attempt: 1, retryInMs: 5 },
      { errorCode: 'ECONNRESET', attempt: 2, retryInMs: 10 },
    ]);
    expect(waits).toEqual([1, 1, 2]);
    // Page 2 twice, page 3 three times, page 4 once; the same token each time.
    expect(pages).toHaveLength(6);
    expect(pages[0]).toBe(pages[1]);
  });

  // The S3 client only times the connection: a page that never answers held the backfill for ever.
  it('gives up on a page that gets no response within responseTimeoutMs, and asks again', async () => {
    fault = (n) => (n === 0 ? 'hang' : undefined);
    const retries: Array<{ errorCode: string; attempt: number }> = [];
    const keysListed = await keysOf(
      list({
        maxAttempts: 2,
        backoffMs: () => 1,
        responseTimeoutMs: 300,
        onRetry: ({ errorCode, attempt }) => retries.push({ errorCode, attempt }),
      }),
    );
    expect(keysListed).toEqual(keys);
    expect(retries).toEqual([{ errorCode: 'ETIMEDOUT', attempt: 1 }]);
    expect(pages[0]).toBe(pages[1]); // the same page asked for again
  });

  it('throws after maxAttempts, or at once for an error retrying cannot cure, after the keys before it', async () => {
    fault = () => 'slowdown';
    const listed: string[] = [];
    const persistent = list({ maxAttempts: 3, backoffMs: () => 1 });
    await expect(
      (async () => {
        for await (const ref of persistent) listed.push(ref.key);
      })(),
    ).rejects.toMatchObject({ name: 'SlowDown' });
    expect(listed).toEqual(keys.slice(0, 2));
    expect(pages).toHaveLength(3);

    fault = () => 'denied';
    await expect(keysOf(list({ maxAttempts: 3, backoffMs: () => 1 }))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    expect(pages).toHaveLength(1);
  });
});

// fauxqs 1.9.2 ignores `encoding-type=url` (it neither encodes keys nor says EncodingType), so this
// is tested against a canned ListObjectsV2 response, encoded as S3 encodes it, through the real SDK.
describe('listObjects with keys XML cannot carry', () => {
  const keys = ['logs/cr\rkey', 'logs/tab\tkey', 'logs/a b+c%41', 'logs/üñí/😀', 'logs/x\u0001y'];
  /** As S3 encodes under encoding-type=url: percent-encoded UTF-8, a space as `+`, `/` kept. */
  const s3Encode = (key: string) => encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
  const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  let server: Server;
  let endpoint: string;
  let queries: URLSearchParams[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      queries.push(query);
      const encoded = query.get('encoding-type') === 'url';
      const contents = keys
        .map(
          (key) =>
            `<Contents><Key>${encoded ? s3Encode(key) : xmlEscape(key)}</Key><Size>5</Size></Contents>`,
        )
        .join('');
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
          `<Name>b</Name><Prefix>logs/</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys>` +
          `${encoded ? '<EncodingType>url</EncodingType>' : ''}<IsTruncated>false</IsTruncated>${contents}` +
          '</ListBucketResult>',
      );
    });
    endpoint = await listen(server);
  });
  afterAll(async () => {
    await close(server);
  });

  // A carriage return came back as a line feed: the key listed could not be read (NoSuchKey).
  it('asks S3 to encode the keys and decodes them', async () => {
    queries = [];
    const listed = await keysOf(listObjects(clientFor(endpoint), parseS3Url('s3://b/logs/')));
    expect(queries.map((query) => query.get('encoding-type'))).toEqual(['url']);
    expect(listed).toEqual(keys);
  });
});
