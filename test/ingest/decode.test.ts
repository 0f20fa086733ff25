import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeStream, forEachLine, isGzip } from '../../src/ingest/decode.js';

async function* chunksOf(bytes: Buffer, sizes: number[]): AsyncIterable<Uint8Array> {
  let at = 0;
  for (const size of sizes) {
    yield new Uint8Array(bytes.subarray(at, at + size));
    at += size;
  }
  if (at < bytes.length) yield bytes.subarray(at);
}

async function collect(source: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of source) parts.push(chunk);
  return Buffer.concat(parts).toString();
}

async function linesOf(input: AsyncIterable<Uint8Array> | NodeJS.ReadableStream) {
  const texts: string[] = [];
  const { bytes, lines } = await forEachLine(input, { line: (text) => texts.push(text), tooLong: () => {} });
  return { texts, bytes, lines };
}

const TEXT = 'first line\nsecond line\n';

describe('isGzip', () => {
  it('looks at the magic bytes only', () => {
    expect(isGzip(gzipSync('x'))).toBe(true);
    expect(isGzip(Buffer.from([0x1f]))).toBe(false);
    expect(isGzip(Buffer.from('plain'))).toBe(false);
  });
});

describe('decodeStream', () => {
  it('passes plain text through', async () => {
    expect(await collect(decodeStream(chunksOf(Buffer.from(TEXT), [3])))).toBe(TEXT);
  });

  it('gunzips when the data starts with the gzip magic, even if the first chunk is one byte', async () => {
    expect(await collect(decodeStream(chunksOf(gzipSync(TEXT), [1, 1, 5])))).toBe(TEXT);
  });

  it('does not gunzip a one-byte plain input that starts like gzip', async () => {
    expect(await collect(decodeStream(chunksOf(Buffer.from([0x1f]), [])))).toBe('\x1f');
  });

  it('reads concatenated gzip members as one stream', async () => {
    const both = Buffer.concat([gzipSync('a\n'), gzipSync('b\n')]);
    expect(await collect(decodeStream(Readable.from([both])))).toBe('a\nb\n');
  });

  it('handles empty input', async () => {
    expect(await collect(decodeStream(chunksOf(Buffer.alloc(0), [])))).toBe('');
  });

  it('rejects a truncated gzip stream', async () => {
    const gz = gzipSync(TEXT.repeat(100));
    await expect(collect(decodeStream(chunksOf(gz.subarray(0, gz.length - 10), [])))).rejects.toThrow();
  });

  it('says "gzip" in the error of a corrupt stream', async () => {
    const gz = Buffer.concat([gzipSync(TEXT), Buffer.from('GARBAGE-NOT-GZIP')]);
    await expect(collect(decodeStream(chunksOf(gz, [])))).rejects.toThrow(/^gzip: incorrect header check/);
  });
});

describe('forEachLine', () => {
  it('feeds the lines of gzip and plain input alike, counting decoded bytes', async () => {
    const plain = await linesOf(Readable.from([Buffer.from(TEXT)]));
    const gzipped = await linesOf(Readable.from([gzipSync(TEXT)]));
    expect(plain).toEqual({ texts: ['first line', 'second line'], bytes: TEXT.length, lines: 2 });
    expect(gzipped).toEqual(plain);
  });

  it('waits for afterChunk before reading on', async () => {
    const order: string[] = [];
    await forEachLine(
      chunksOf(Buffer.from('a\nb\n'), [2, 2]),
      { line: (text) => order.push(text), tooLong: () => {} },
      { afterChunk: async () => void order.push('flush') },
    );
    expect(order).toEqual(['a', 'flush', 'b', 'flush', 'flush']);
  });
});
