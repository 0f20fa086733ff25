import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateAccessLogRecords } from '../../../bench/generate.js';
import { LineSplitter } from '../../../src/ingest/line-splitter.js';
import { isParseError, parseS3AccessLine } from '../../../src/logs/s3-access/index.js';
import { AWS_DOC_LINES, FORGED_TLS_USER_AGENT, PLAIN_HTTP_TAIL, line } from './lines.js';

/** Lines that look a lot like access log lines: real lines with pieces cut, swapped or inserted. */
const mangledLine = fc
  .tuple(
    fc.constantFrom(...AWS_DOC_LINES),
    fc.nat(),
    fc.nat(),
    fc.string({
      unit: fc.constantFrom(' ', '"', '-', '[', ']', 'a', '1', 'SigV4', 'TLSv1.2', '\r', 'é', '\u{1F600}'),
    }),
  )
  .map(([text, a, b, insert]) => {
    const from = a % (text.length + 1);
    const to = from + (b % (text.length - from + 1));
    return text.slice(0, from) + insert + text.slice(to);
  });

const anyLine = fc.oneof(
  mangledLine,
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom(' ', '"', '-') }),
);

function jsonOf(text: string, lineNo: number) {
  const result = parseS3AccessLine(text, { file: 'f', line: lineNo }, 0);
  if (isParseError(result)) return { error: result.message };
  const { p_row_id: _rowId, ...rest } = result.toJSON();
  return rest;
}

describe('parser properties', () => {
  it('never throws, and every result is a record or a ParseError that can be read in full', () => {
    fc.assert(
      fc.property(anyLine, (text) => {
        const result = parseS3AccessLine(text);
        if (isParseError(result)) expect(typeof result.message).toBe('string');
        else {
          expect(() => JSON.stringify(result)).not.toThrow();
          expect(typeof result.eventTimeMs).toBe('number');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('garbage in one line never changes the record of the next line (fed through LineSplitter)', () => {
    const next = AWS_DOC_LINES[4]!;
    const alone = jsonOf(next, 2);
    fc.assert(
      fc.property(anyLine, fc.constantFrom('\n', '\r\n'), (garbage, eol) => {
        const seen: Record<string, unknown>[] = [];
        const splitter = new LineSplitter(
          { line: (text, lineNo) => lineNo === 2 && seen.push(jsonOf(text, lineNo)), tooLong: () => {} },
          { maxLineBytes: 4096 },
        );
        // The garbage itself holds no newline only if the generator made none; cut at the first.
        const firstLine = garbage.split(/\r?\n/)[0]!;
        splitter.push(Buffer.from(firstLine + eol + next + eol));
        splitter.end();
        expect(seen).toEqual([alone]);
      }),
      { numRuns: 2000 },
    );
  });

  it('no user agent can make a plain-HTTP line read as TLS', () => {
    const userAgent = fc.oneof(
      fc.string({
        unit: fc.constantFrom(
          ' ',
          '"',
          '-',
          'SigV4',
          'TLSv1.2',
          'ECDHE-RSA-AES128-GCM-SHA256',
          'AuthHeader',
          'x',
        ),
      }),
      fc.constant(FORGED_TLS_USER_AGENT),
    );
    fc.assert(
      fc.property(userAgent, userAgent, (ua, referrer) => {
        const result = parseS3AccessLine(
          line({ referrer: `"${referrer}"`, userAgent: `"${ua}"`, tail: PLAIN_HTTP_TAIL }),
        );
        if (isParseError(result)) return; // refusing the line is safe; reading it as TLS is not
        expect(result.get('tlsversion')).toBeNull();
        expect(result.get('ciphersuite')).toBeNull();
      }),
      { numRuns: 3000 },
    );
  });
});

describe('generated realistic lines (bench/generate.ts)', () => {
  it('parse to exactly the record the generator meant, hostile ones included', () => {
    let checked = 0;
    for (const { line: text, expected } of generateAccessLogRecords(5000, 11, {
      hostileRatio: 0.3,
      oaiRatio: 0.1,
      insecureRatio: 0.1,
      extraFieldsRatio: 0.05,
      oldFormatRatio: 0.1,
    })) {
      const result = parseS3AccessLine(text);
      if (isParseError(result)) throw new Error(`${result.message}: ${text}`);
      for (const [field, value] of Object.entries(expected)) {
        expect({ field, value: result.get(field) }).toEqual({ field, value });
      }
      checked++;
    }
    expect(checked).toBe(5000);
  });
});
