/**
 * The read-ahead of `scan s3://…` against fauxqs: objects are fetched a bounded number at a time,
 * handed over in listing order, and fetches started ahead are aborted when the scan stops early.
 */
import { Readable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanInputs, type ScanInput } from '../../src/ingest/scan-inputs.js';
import type { ObjectRef } from '../../src/ingest/notifications.js';
import { S3ObjectReader } from '../../src/ingest/s3-object-reader.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { FAUXQS_CREDENTIALS, startFauxqsHarness, type FauxqsHarness } from '../helpers/fauxqs.js';
import { capturingLogger, sleep } from '../sinks/helpers.js';

const OBJECTS = 12;
let fauxqs: FauxqsHarness;
let bucket: string;
let reader: S3ObjectReader;

beforeAll(async () => {
  fauxqs = await startFauxqsHarness();
  bucket = fauxqs.createBucket();
  for (let i = 0; i < OBJECTS; i++) {
    const key = `logs/${String(i).padStart(2, '0')}`;
    await fauxqs.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `object ${i}\n` }));
  }
  reader = new S3ObjectReader({
    metrics: createMetrics(),
    logger: capturingLogger().logger,
    defaultRegion: fauxqs.region,
    endpoint: fauxqs.endpoint,
    forcePathStyle: true,
    credentials: { ...FAUXQS_CREDENTIALS },
    userAgent: 's3-sentinel/test',
  });
}, 60_000);

afterAll(async () => {
  reader?.close();
  await fauxqs?.stop();
});

/** The real reader, slowed down, counting the GetObjects in flight and keeping their signals. */
function watchedReader(delayMs: number) {
  let inFlight = 0;
  const watch = { maxInFlight: 0, signals: [] as AbortSignal[] };
  return {
    watch,
    reader: {
      clientFor: (region?: string) => reader.clientFor(region),
      async open(ref: ObjectRef, signal?: AbortSignal) {
        watch.signals.push(signal as AbortSignal);
        inFlight++;
        watch.maxInFlight = Math.max(watch.maxInFlight, inFlight);
        try {
          await sleep(delayMs);
          return await reader.open(ref, signal);
        } finally {
          inFlight--;
        }
      },
    },
  };
}

async function text(input: ScanInput): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await input.open()) as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

describe('scanInputs over an s3:// prefix', () => {
  it('fetches at most readAhead objects beyond the one being scanned, and hands them over in order', async () => {
    const { reader: watched, watch } = watchedReader(30);
    const seen: string[] = [];
    for await (const input of scanInputs([`s3://${bucket}/logs/`], { reader: watched, readAhead: 3 })) {
      seen.push(`${input.name} ${await text(input)}`);
      expect(input.sourceOf(4)).toEqual({ bucket, key: input.name.slice(`s3://${bucket}/`.length), line: 4 });
    }
    expect(seen).toEqual(
      Array.from(
        { length: OBJECTS },
        (_, i) => `s3://${bucket}/logs/${String(i).padStart(2, '0')} object ${i}\n`,
      ),
    );
    expect(watch.maxInFlight).toBe(4);
  });

  it('aborts the fetches it started ahead when the scan stops early', async () => {
    const { reader: watched, watch } = watchedReader(30);
    for await (const input of scanInputs([`s3://${bucket}/logs/`], { reader: watched, readAhead: 5 })) {
      await text(input);
      break;
    }
    expect(watch.signals).toHaveLength(6);
    expect(watch.signals.every((signal) => signal.aborted)).toBe(true);
  });

  it('buffers no more than the prefetch limit of an object that grew after it was listed', async () => {
    let pulled = 0;
    const grown = {
      clientFor: (region?: string) => reader.clientFor(region),
      // Every object now holds 1,000 lines of 1 KiB, though it was listed at a few bytes.
      async open() {
        async function* body() {
          for (let i = 0; i < 1_000; i++) {
            pulled++;
            yield Buffer.from(`${'x'.repeat(1023)}\n`);
          }
        }
        return { body: Readable.from(body(), { objectMode: false }), contentLength: undefined };
      },
    };
    const inputs = scanInputs([`s3://${bucket}/logs/`], {
      reader: grown,
      readAhead: 2,
      prefetchMaxBytes: 4096,
    });
    const iterator = inputs[Symbol.asyncIterator]();
    const first = (await iterator.next()).value as ScanInput;
    await sleep(200); // the objects behind it are prefetched meanwhile
    // Three objects in flight (the current one and two ahead), each stopped near 4 KiB.
    expect(pulled).toBeLessThanOrEqual(3 * 8);
    expect(await text(first)).toHaveLength(1_000 * 1024); // and each is still read whole
    await iterator.return?.();
  });
});
