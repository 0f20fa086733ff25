import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { LineSplitter, type LineHandler, type LineSplitterOptions } from './line-splitter.js';

/**
 * Turns a byte stream into plain bytes: gzip is recognised by its magic bytes (`1f 8b`), never by
 * a file name — log objects have no extension, and users point us at gzip'd copies too.
 */

/**
 * Bytes in chunks. A chunk may be overwritten once the next one is asked for (local files reuse one
 * read buffer), so whoever keeps bytes past that point copies them.
 */
export type ByteSource = AsyncIterable<Uint8Array> | NodeJS.ReadableStream;

export function isGzip(firstBytes: Uint8Array): boolean {
  return firstBytes.length >= 2 && firstBytes[0] === 0x1f && firstBytes[1] === 0x8b;
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * The decoded bytes of `input`, gunzipped iff it starts with the gzip magic (also when the first
 * chunk holds a single byte). Pull-based, so memory stays bounded by the chunk sizes: nothing is
 * read ahead of the consumer beyond the streams' own buffers. Concatenated gzip members are read
 * as one stream, as gunzip(1) does.
 */
export async function* decodeStream(input: ByteSource): AsyncIterable<Buffer> {
  const chunks = (input as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  // Peek until two bytes are known; hold what was read so it can be replayed.
  const head: Buffer[] = [];
  let headBytes = 0;
  while (headBytes < 2) {
    const next = await chunks.next();
    if (next.done) break;
    const chunk = toBuffer(next.value);
    // A chunk held while the next is read must be a copy: the source may reuse its memory.
    head.push(chunk.length < 2 ? Buffer.from(chunk) : chunk);
    headBytes += chunk.length;
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield* head;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield toBuffer(next.value);
  }
  const magic = Buffer.concat(head, Math.min(headBytes, 2));
  if (!isGzip(magic)) {
    yield* replay();
    return;
  }
  const gunzip = createGunzip();
  // gunzip queues what it is given, so it gets copies (of compressed bytes: cheap beside inflating).
  const compressed = Readable.from(copies(replay()), { objectMode: false });
  compressed.on('error', (err) => gunzip.destroy(err));
  compressed.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (err) {
    // zlib's own words ("incorrect header check") do not say which layer failed.
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new Error(`gzip: ${(err as Error).message}`, { cause: err });
    }
    throw err;
  } finally {
    compressed.destroy();
    gunzip.destroy();
  }
}

async function* copies(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) yield Buffer.from(chunk);
}

export interface ForEachLineOptions extends LineSplitterOptions {
  /**
   * Called after each decoded chunk's lines were delivered; the next chunk is read only once the
   * returned promise settles. Lets a caller flush its output and wait for backpressure to clear.
   */
  afterChunk?: (bytesSoFar: number) => void | Promise<void>;
}

/**
 * Feeds every line of `input` (decoded as above) to `handler`. Resolves with the decoded byte count
 * and the number of lines seen; rejects when the input cannot be read or decompressed.
 */
export async function forEachLine(
  input: ByteSource,
  handler: LineHandler,
  options: ForEachLineOptions = {},
): Promise<{ bytes: number; lines: number }> {
  const splitter = new LineSplitter(handler, options);
  const { afterChunk } = options;
  for await (const chunk of decodeStream(input)) {
    splitter.push(chunk);
    if (afterChunk) await afterChunk(splitter.bytes);
  }
  splitter.end();
  if (afterChunk) await afterChunk(splitter.bytes);
  return { bytes: splitter.bytes, lines: splitter.lines };
}
