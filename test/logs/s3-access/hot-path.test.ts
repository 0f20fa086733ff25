/**
 * The parser's hot-path entry point (`parseS3AccessLineAt`, source built on demand) must give the
 * same records and errors as `parseS3AccessLine`, and build the source only when it is read.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceRef } from '../../../src/logs/event.js';
import {
  isParseError,
  parseS3AccessLine,
  parseS3AccessLineAt,
  type S3AccessEvent,
} from '../../../src/logs/s3-access/index.js';
import { generateAccessLogLines } from '../../../bench/generate.js';
import { AWS_DOC_LINES, FORGED_TLS_USER_AGENT, PLAIN_HTTP_TAIL, line } from './lines.js';

const source = (lineNo: number): SourceRef => ({ bucket: 'logs', key: 'k', line: lineNo });

/** Records without the fields that differ per call (row id) — everything a rule or sink sees. */
function outcome(result: S3AccessEvent | { message: string; source?: SourceRef }) {
  if (isParseError(result)) return { error: result.message, source: result.source };
  const { p_row_id: _rowId, ...rest } = result.toJSON();
  return rest;
}

const lines = fc.oneof(
  fc.constantFrom(...AWS_DOC_LINES),
  // Realistic lines (hostile quotes, CloudFront requesters) as the benchmark makes them.
  fc.constantFrom(...generateAccessLogLines(300, 11)),
  fc
    .tuple(
      fc.constantFrom(...AWS_DOC_LINES),
      fc.nat(),
      fc.string({ unit: fc.constantFrom(' ', '"', '-', 'a') }),
    )
    .map(([text, at, insert]) => text.slice(0, at % text.length) + insert + text.slice(at % text.length)),
  fc.string(),
);

describe('parseS3AccessLineAt', () => {
  it('gives the same record or error as parseS3AccessLine', () => {
    fc.assert(
      fc.property(lines, fc.integer({ min: 1, max: 1e6 }), (text, lineNo) => {
        const eager = parseS3AccessLine(text, source(lineNo), 0);
        const lazy = parseS3AccessLineAt(text, source, lineNo, 0);
        expect(outcome(lazy)).toEqual(outcome(eager));
      }),
      { numRuns: 2000 },
    );
  });

  it('builds the source only when it is read, and once', () => {
    const calls: number[] = [];
    const sourceOf = (lineNo: number): SourceRef => (calls.push(lineNo), { file: 'f.log', line: lineNo });
    const event = parseS3AccessLineAt(AWS_DOC_LINES[0]!, sourceOf, 42, 0);
    if (isParseError(event)) throw new Error(event.message);
    expect(event.get('operation')).toBe('REST.GET.VERSIONING');
    expect(calls).toEqual([]);
    expect(event.source).toEqual({ file: 'f.log', line: 42 });
    expect(event.get('p_source')).toBe(event.source);
    expect(calls).toEqual([42]);
  });

  it('gives an error its source', () => {
    const error = parseS3AccessLineAt('not a log line', (lineNo) => ({ file: 'f.log', line: lineNo }), 9);
    expect(isParseError(error) && error.source).toEqual({ file: 'f.log', line: 9 });
  });
});

describe('field reads without a per-record cache', () => {
  it('read the same values every time, and keep list identity', () => {
    const event = parseS3AccessLine(line({ userAgent: `"${FORGED_TLS_USER_AGENT}"`, tail: PLAIN_HTTP_TAIL }));
    if (isParseError(event)) throw new Error(event.message);
    const first = event.toJSON();
    expect(event.toJSON()).toEqual(first);
    expect(event.get('tlsVersion')).toBeNull(); // plain HTTP whatever the user agent says
    expect(event.get('TLSVERSION')).toBeNull();
    expect(event.get('httpstatus')).toBe(event.get('httpstatus'));
    expect(event.get('p_any_ip_addresses')).toBe(event.get('p_any_ip_addresses'));
    expect(event.get('time')).toBe(first.time);
  });
});
