import { isAscii } from 'node:buffer';

/**
 * Bytes in, lines out, with bounded memory. The hot path of every command: callbacks are
 * synchronous (a promise per line would cost more than parsing it), and a chunk is decoded to a
 * string once and cut with indexOf, rather than decoding every line separately.
 */

export interface LineSink {
  /** A non-empty line without its line ending; `lineNo` counts from 1 and includes blank lines. */
  line(text: string, lineNo: number): void;
  /** A line longer than the cap was dropped; `bytes` is its full length. */
  tooLong(lineNo: number, bytes: number): void;
}

export interface LineSplitterOptions {
  /** Longest line accepted, in bytes; longer lines are reported and skipped. Default 65536. */
  maxLineBytes?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const BYTE_ORDER_MARK = 0xfeff;
const DECODE_WINDOW_BYTES = 64 * 1024;
/** UTF-8 needs at most 3 bytes per UTF-16 code unit, so a line of n units has at most 3n bytes. */
const MAX_UTF8_BYTES_PER_UNIT = 3;

export class LineSplitter {
  private readonly maxLineBytes: number;
  /** Bytes of an unfinished line, held until its newline arrives (at most maxLineBytes). */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** > 0 while skipping the rest of an over-long line: the bytes seen of it so far. */
  private skippedBytes = 0;
  /** Whether the last byte skipped was a CR, which belongs to the line ending, not the line. */
  private skippedEndsWithCr = false;
  private lineNo = 0;
  private seenBytes = 0;

  constructor(
    private readonly sink: LineSink,
    options: LineSplitterOptions = {},
  ) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!(this.maxLineBytes > 0)) throw new RangeError('maxLineBytes must be positive');
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.seenBytes;
  }

  /** Lines seen so far, blank and over-long ones included. */
  get lines(): number {
    return this.lineNo;
  }

  push(chunk: Buffer): void {
    this.seenBytes += chunk.length;
    let from = 0;
    // Finish the line that the previous chunk left open (or is skipping).
    if (this.skippedBytes > 0 || this.partialBytes > 0) {
      const newline = chunk.indexOf(NEWLINE);
      if (newline < 0) {
        this.holdPartial(chunk);
        return;
      }
      this.holdPartial(chunk.subarray(0, newline));
      this.finishPartial();
      from = newline + 1;
    }
    // Whole lines are decoded a window at a time. One decode per window instead of per line; and
    // windows stay under V8's large-object size (128 KiB), so the strings are cheap young-generation
    // allocations even when the reader hands us megabyte chunks.
    while (from < chunk.length) {
      const limit = Math.min(from + DECODE_WINDOW_BYTES, chunk.length);
      let newline = chunk.lastIndexOf(NEWLINE, limit - 1);
      if (newline < from) newline = chunk.indexOf(NEWLINE, limit); // a line longer than a window
      if (newline < 0) {
        this.holdPartial(chunk.subarray(from));
        return;
      }
      // Newline bytes never occur inside a UTF-8 sequence: cutting there never splits a character.
      this.emitLines(decode(chunk.subarray(from, newline)));
      from = newline + 1;
    }
  }

  /** Flushes a last line that has no newline. */
  end(): void {
    if (this.skippedBytes > 0 || this.partialBytes > 0) this.finishPartial();
  }

  /** Lines of `text`, which holds whole lines separated by `\n` (the last one without it). */
  private emitLines(text: string): void {
    let start = 0;
    const length = text.length;
    while (start <= length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = length;
      this.emit(text, start, end);
      start = end + 1;
    }
  }

  private emit(text: string, start: number, end: number): void {
    const lineNo = ++this.lineNo;
    if (end > start && text.charCodeAt(end - 1) === CARRIAGE_RETURN) end--;
    if (lineNo === 1 && text.charCodeAt(start) === BYTE_ORDER_MARK) start++;
    if (end === start) return; // blank line: counted, not emitted
    const units = end - start;
    // Units never exceed bytes, and bytes never exceed 3 units: only lines in between are measured.
    if (units > this.maxLineBytes) {
      this.sink.tooLong(lineNo, Buffer.byteLength(text.slice(start, end)));
      return;
    }
    const line = text.slice(start, end);
    if (units * MAX_UTF8_BYTES_PER_UNIT > this.maxLineBytes) {
      const bytes = Buffer.byteLength(line);
      if (bytes > this.maxLineBytes) {
        this.sink.tooLong(lineNo, bytes);
        return;
      }
    }
    this.sink.line(line, lineNo);
  }

  /** Keeps bytes of an unfinished line, or only counts them once the line is over the cap. */
  private holdPartial(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.skippedBytes > 0) {
      this.skippedBytes += bytes.length;
      this.skippedEndsWithCr = bytes[bytes.length - 1] === CARRIAGE_RETURN;
      return;
    }
    if (this.partialBytes + bytes.length > this.maxLineBytes + 1) {
      // +1 leaves room for a `\r` that will be stripped. Past that the line is dropped, not held:
      // memory stays bounded however long a line is.
      this.skippedBytes = this.partialBytes + bytes.length;
      this.skippedEndsWithCr = bytes[bytes.length - 1] === CARRIAGE_RETURN;
      this.partial = [];
      this.partialBytes = 0;
      return;
    }
    // Copied: the chunk's memory may be reused by the stream once we return.
    this.partial.push(Buffer.from(bytes));
    this.partialBytes += bytes.length;
  }

  private finishPartial(): void {
    if (this.skippedBytes > 0) {
      const lineNo = ++this.lineNo;
      // The CR of a CRLF ending is not part of the line.
      const bytes = this.skippedBytes - (this.skippedEndsWithCr ? 1 : 0);
      this.skippedBytes = 0;
      this.sink.tooLong(lineNo, bytes);
      return;
    }
    const text = decode(Buffer.concat(this.partial, this.partialBytes));
    this.partial = [];
    this.partialBytes = 0;
    this.emit(text, 0, text.length);
  }
}

/**
 * UTF-8 bytes to a string. Access logs are almost always ASCII, and for ASCII the latin1 decoder
 * gives the same string several times faster than the UTF-8 one (it copies bytes, no decoding);
 * `isAscii` is a SIMD scan that costs next to nothing beside either.
 */
function decode(bytes: Buffer): string {
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}
