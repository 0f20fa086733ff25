import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/ingest/line-splitter.js';

type Event = [kind: 'line', text: string, lineNo: number] | [kind: 'tooLong', lineNo: number, bytes: number];

function split(chunks: (string | Buffer)[], maxLineBytes?: number) {
  const events: Event[] = [];
  const splitter = new LineSplitter(
    {
      line: (text, lineNo) => events.push(['line', text, lineNo]),
      tooLong: (lineNo, bytes) => events.push(['tooLong', lineNo, bytes]),
    },
    { maxLineBytes },
  );
  for (const chunk of chunks) splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  splitter.end();
  return { events, bytes: splitter.bytes, lines: splitter.lines };
}

describe('LineSplitter', () => {
  // A piece of a line kept for later (a field of an alert held for redelivery, a dedup key) must not
  // keep more than its line alive. V8 slices point into their parent string, so lines sliced out
  // of one string decoded per chunk would each pin the whole chunk: 64 KiB per kept piece.
  it('gives each line its own string: a piece kept from a line does not pin its chunk', () => {
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    const kept: string[] = [];
    const splitter = new LineSplitter({
      line: (text, lineNo) => {
        if (lineNo % 100 === 1) kept.push(text.slice(10, 40));
      },
      tooLong: () => undefined,
    });
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let chunk = 0; chunk < 200; chunk++) {
      const line = `${chunk} ${'abcdefgh'.repeat(80)}\n`; // ~650 bytes, as access log lines are
      splitter.push(Buffer.from(line.repeat(100))); // ~65 KB a chunk, one piece kept from each
    }
    gc();
    const retainedBytes = process.memoryUsage().heapUsed - before;
    expect(kept).toHaveLength(200);
    // One line per piece is ~130 KB; a chunk per piece would be ~13 MB.
    expect(retainedBytes).toBeLessThan(3 * 1024 * 1024);
  });

  it('splits lines, strips CR before LF, skips blank lines but counts them', () => {
    expect(split(['a\r\n\nb\n\r\nc']).events).toEqual([
      ['line', 'a', 1],
      ['line', 'b', 3],
      ['line', 'c', 5],
    ]);
  });

  it('joins lines cut across chunks, even a CRLF cut in two', () => {
    expect(split(['ab', 'c\r', '\nd', 'e\n']).events).toEqual([
      ['line', 'abc', 1],
      ['line', 'de', 2],
    ]);
  });

  it('decodes multi-byte characters cut across chunks', () => {
    const bytes = Buffer.from('é€😀\nx\n');
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    expect(split(chunks).events).toEqual([
      ['line', 'é€😀', 1],
      ['line', 'x', 2],
    ]);
  });

  it('flushes a last line without newline on end()', () => {
    expect(split(['a\nlast']).events).toEqual([
      ['line', 'a', 1],
      ['line', 'last', 2],
    ]);
  });

  it('reports an over-long line with its number and full size, and goes on with the next', () => {
    const long = 'x'.repeat(50);
    expect(split([`ok\n${long}\nnext\n`], 10).events).toEqual([
      ['line', 'ok', 1],
      ['tooLong', 2, 50],
      ['line', 'next', 3],
    ]);
  });

  it('does not hold an over-long line spread over many chunks', () => {
    const chunks = ['start', ...Array.from({ length: 100 }, () => 'y'.repeat(1000)), '\r\nnext\n'];
    expect(split(chunks, 64).events).toEqual([
      ['tooLong', 1, 5 + 100_000],
      ['line', 'next', 2],
    ]);
  });

  it('measures the cap in bytes, not characters', () => {
    expect(split(['ééééé\n'], 9).events).toEqual([['tooLong', 1, 10]]);
    expect(split(['éééé\n'], 9).events).toEqual([['line', 'éééé', 1]]);
  });

  it('accepts a line of exactly the cap with a CRLF ending', () => {
    expect(split(['12345\r\n'], 5).events).toEqual([['line', '12345', 1]]);
  });

  it('counts bytes and lines', () => {
    const result = split(['a\n\nbc\n']);
    expect(result.bytes).toBe(6);
    expect(result.lines).toBe(3);
  });

  it('drops a UTF-8 byte order mark at the start', () => {
    expect(split(['\uFEFFa\n']).events).toEqual([['line', 'a', 1]]);
  });

  it('gives the same lines however the input is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'é', '\n', '\r', ' ', '😀') }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (text, cuts) => {
          const bytes = Buffer.from(text);
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let from = 0;
          for (const point of [...points, bytes.length]) {
            chunks.push(bytes.subarray(from, point));
            from = point;
          }
          expect(split(chunks, 8).events).toEqual(split([bytes], 8).events);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
