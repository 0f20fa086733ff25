import { isAscii } from 'node:buffer';

/**
 * Bytes in, lines out, with bounded memory. The hot path of every command: callbacks are
 * synchronous (a promise per line would cost more than parsing it).
 *
 * Each line is decoded from the bytes on its own, so its string owns its memory. Decoding a larger
 * span once and slicing lines out of it is no faster, and worse: V8 slices of 13 characters or
 * more point into their parent, so one field kept from a line (in an alert held for redelivery, a
 * dedup key) would keep the whole span alive — 64 KiB per alert instead of one line.
 */

export interface LineHandler {
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
/** The UTF-8 byte order mark, EF BB BF, dropped from the start of the first line. */
const BOM = [0xef, 0xbb, 0xbf] as const;
/**
 * Lines are checked for non-ASCII bytes this many bytes at a time: one SIMD scan per span instead
 * of a call per line. ASCII lines decode as latin1, a plain copy several times cheaper than UTF-8.
 */
const ASCII_CHECK_BYTES = 64 * 1024;

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
    private readonly handler: LineHandler,
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
    // Whole lines, a span of up to ASCII_CHECK_BYTES at a time (longer when one line is longer).
    while (from < chunk.length) {
      const limit = Math.min(from + ASCII_CHECK_BYTES, chunk.length);
      let lastNewline = chunk.lastIndexOf(NEWLINE, limit - 1);
      if (lastNewline < from) lastNewline = chunk.indexOf(NEWLINE, limit); // a line longer than a span
      if (lastNewline < 0) {
        this.holdPartial(chunk.subarray(from));
        return;
      }
      // Newline bytes never occur inside a UTF-8 sequence: cutting there never splits a character.
      const ascii = isAscii(chunk.subarray(from, lastNewline));
      while (from <= lastNewline) {
        const newline = chunk.indexOf(NEWLINE, from);
        this.emit(chunk, from, newline, ascii);
        from = newline + 1;
      }
    }
  }

  /** Flushes a last line that has no newline. */
  end(): void {
    if (this.skippedBytes > 0 || this.partialBytes > 0) this.finishPartial();
  }

  /** Emits bytes[start, end) as line number n; `ascii` says that no byte there is above 0x7f. */
  private emit(bytes: Buffer, start: number, end: number, ascii: boolean): void {
    const lineNo = ++this.lineNo;
    if (end > start && bytes[end - 1] === CARRIAGE_RETURN) end--;
    if (
      lineNo === 1 &&
      end - start >= 3 &&
      bytes[start] === BOM[0] &&
      bytes[start + 1] === BOM[1] &&
      bytes[start + 2] === BOM[2]
    ) {
      start += 3;
    }
    if (end === start) return; // blank line: counted, not emitted
    if (end - start > this.maxLineBytes) {
      this.handler.tooLong(lineNo, end - start);
      return;
    }
    this.handler.line(bytes.toString(ascii ? 'latin1' : 'utf8', start, end), lineNo);
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
      this.handler.tooLong(lineNo, bytes);
      return;
    }
    const bytes = Buffer.concat(this.partial, this.partialBytes);
    this.partial = [];
    this.partialBytes = 0;
    this.emit(bytes, 0, bytes.length, isAscii(bytes));
  }
}
