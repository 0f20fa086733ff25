import type { SourceRef } from '../event.js';
import { F, FIELD_COUNT, FIRST_TAIL_FIELD, TAIL_FIELD_COUNT } from './fields.js';
import { ParseError } from './parse-error.js';
import { S3AccessEvent, type SourceOf } from './record.js';
import { takeRowNumber } from './standard-fields.js';
import { parseAccessLogTime } from './time.js';

/*
 * How a line is read (domain notes §1). Three parts, each anchored on something a client cannot
 * forge:
 *
 *   head    owner bucket [time] ip requester requestid operation key      ← from the left
 *   middle  "request-URI" status error bytes size total turnaround          ← by shape
 *   quoted  "referer" "user agent"                                          ← client text
 *   tail    versionid hostid sigv cipher auth host tls ap-arn acl region …  ← from the last quote
 *
 * - The requester may contain spaces (CloudFront OAI), so it ends where a request-id-shaped token is
 *   followed by an operation-shaped one.
 * - The request target cannot contain a space, so the request-URI ends at the first `"` followed
 *   by ` STATUS ERROR N N N N ` with the right shapes, whatever quotes the URI contains.
 * - The tail is written by AWS and never contains a quote, so it starts after the LAST quote of the
 *   line: a user agent that imitates a tail (`x" SigV4 ECDHE-… TLSv1.2`) is still inside the quotes.
 *   Whether that last quote closes the user agent or the referer (user agent written as a bare `-`)
 *   is decided by the shapes of the tail's fixed fields, which the client does not write.
 *
 * Speed: the parser only finds offsets (indexOf on spaces, charCodeAt checks). It makes no
 * substrings and runs no regular expressions; values are made when a field is read.
 */

const SPACE = 0x20;
const QUOTE = 0x22;
const DASH = 0x2d;
const DOT = 0x2e;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
/** `[06/Feb/2019:00:00:38 +0000]` is 28 characters including its brackets. */
const BRACKETED_TIME_LENGTH = 28;
/** The OAI requester has 5 space-separated words; allow some room, but bound the search. */
const MAX_REQUESTER_WORDS = 8;
/** Longest digit run accepted in a numeric field: 15 digits stay exact in a double. */
const MAX_NUMBER_DIGITS = 15;
const OFFSET_SLOTS = FIELD_COUNT * 2;
/** Lines before 2019 stop after the TLS version: 24 fields, 7 of them after the user agent. */
const MIN_TAIL_FIELDS = F.tlsVersion - FIRST_TAIL_FIELD + 1;
const CARRIAGE_RETURN = 0x0d;
// The tail's fixed prefixes as char codes (see startsWithWord).
const SIG_V = charCodes('SigV');
const ARN_PREFIX = charCodes('arn:');
/** Longest authentication type accepted (`QueryString` is 11). */
const MAX_AUTH_TYPE_LENGTH = 20;

// Returned by readTail.
const NO_EXTRA_FIELDS = -1;
const BAD_TAIL = -2;

const PREFIX = 'not an S3 server access log line: ';
const WHY = {
  head: PREFIX + 'expected bucket owner, bucket and [time] at the start',
  time: PREFIX + 'time is not [dd/Mon/yyyy:HH:MM:SS +hhmm]',
  remoteIp: PREFIX + 'no remote IP after the time',
  operation: PREFIX + 'no request id and operation after the requester',
  key: PREFIX + 'no key after the operation',
  requestUri: PREFIX + 'request-URI is neither quoted nor -',
  middle: PREFIX + 'no status, error code, bytes and times after the request-URI',
  referrerUserAgent: PREFIX + 'referrer and user agent are not where expected',
  tail: PREFIX + 'the fields after the user agent do not have the shape AWS writes',
};

/**
 * Parses one access log line (without its line ending). Never throws: a line that is not an access
 * log line gives a `ParseError` saying why.
 */
export function parseS3AccessLine(
  line: string,
  source?: SourceRef,
  parseTimeMs: number = Date.now(),
): S3AccessEvent | ParseError {
  return parseWithSource(line, source, undefined, 0, parseTimeMs);
}

/**
 * `parseS3AccessLine` for the hot path: the source is given as `sourceOf` and a line number, and
 * the SourceRef object is only built when someone reads `event.source` (an alert, `toJSON`) or the
 * line is an error — most lines never need it.
 */
export function parseS3AccessLineAt(
  line: string,
  sourceOf: SourceOf,
  lineNo: number,
  parseTimeMs: number = Date.now(),
): S3AccessEvent | ParseError {
  return parseWithSource(line, undefined, sourceOf, lineNo, parseTimeMs);
}

function parseWithSource(
  line: string,
  source: SourceRef | undefined,
  sourceOf: SourceOf | undefined,
  lineNo: number,
  parseTimeMs: number,
): S3AccessEvent | ParseError {
  let result: S3AccessEvent | string;
  // The line splitter drops a CRLF's CR; a caller handing over a raw line may not have.
  if (line.charCodeAt(line.length - 1) === CARRIAGE_RETURN) line = line.slice(0, -1);
  try {
    result = parse(line, source, sourceOf, lineNo, parseTimeMs);
  } catch (err) {
    // Not expected; kept so that no input, however strange, can stop a pipeline.
    result = `${PREFIX}parser failure (${String(err)})`;
  }
  if (typeof result !== 'string') return result;
  return new ParseError(result, source ?? sourceOf?.(lineNo));
}

/** The record, or why the line is not one (a `WHY` message). */
function parse(
  line: string,
  source: SourceRef | undefined,
  sourceOf: SourceOf | undefined,
  lineNo: number,
  parseTimeMs: number,
): S3AccessEvent | string {
  // A plain array of small integers: cheaper to allocate than a typed array of this size in V8.
  const offsets = new Array<number>(OFFSET_SLOTS);

  // --- head ---------------------------------------------------------------------------------
  let end = line.indexOf(' ');
  if (end <= 0) return WHY.head;
  setField(offsets, F.bucketowner, 0, end);
  let start = end + 1;
  end = line.indexOf(' ', start);
  if (end <= start) return WHY.head;
  setField(offsets, F.bucket, start, end);

  start = end + 1;
  if (
    line.charCodeAt(start) !== OPEN_BRACKET ||
    line.charCodeAt(start + BRACKETED_TIME_LENGTH - 1) !== CLOSE_BRACKET
  ) {
    return WHY.head;
  }
  const eventTimeMs = parseAccessLogTime(line, start + 1);
  if (Number.isNaN(eventTimeMs)) return WHY.time;
  setField(offsets, F.time, start + 1, start + BRACKETED_TIME_LENGTH - 1);

  start += BRACKETED_TIME_LENGTH + 1;
  end = line.indexOf(' ', start);
  if (line.charCodeAt(start - 1) !== SPACE || end <= start) return WHY.remoteIp;
  setField(offsets, F.remoteip, start, end);

  // Requester: one word, or several (CloudFront OAI). It ends before the first word pair that is
  // shaped like "request id, operation".
  const requesterStart = end + 1;
  let requesterEnd = line.indexOf(' ', requesterStart);
  if (requesterEnd <= requesterStart) return WHY.operation;
  let operationEnd = -1;
  // Each word's end is searched once: a pair that fails shifts by one word, reusing its ends.
  let idEnd = line.indexOf(' ', requesterEnd + 1);
  for (let words = 0; words < MAX_REQUESTER_WORDS; words++) {
    const idStart = requesterEnd + 1;
    if (idEnd < 0) break;
    const opEnd = line.indexOf(' ', idEnd + 1);
    if (opEnd < 0) break;
    if (isRequestId(line, idStart, idEnd) && isOperation(line, idEnd + 1, opEnd)) {
      setField(offsets, F.requester, requesterStart, requesterEnd);
      setField(offsets, F.requestid, idStart, idEnd);
      setField(offsets, F.operation, idEnd + 1, opEnd);
      operationEnd = opEnd;
      break;
    }
    requesterEnd = idEnd;
    idEnd = opEnd;
  }
  if (operationEnd < 0) return WHY.operation;

  start = operationEnd + 1;
  end = line.indexOf(' ', start);
  if (end <= start) return WHY.key;
  setField(offsets, F.key, start, end);

  // --- middle: request-URI and the six fields after it -----------------------------------------
  const uriOpen = end + 1;
  let referrerStart: number;
  const uriFirst = line.charCodeAt(uriOpen);
  if (uriFirst === DASH && line.charCodeAt(uriOpen + 1) === SPACE) {
    setField(offsets, F.requesturi, uriOpen, uriOpen + 1);
    referrerStart = readMiddle(line, uriOpen + 2, offsets);
  } else if (uriFirst === QUOTE) {
    // The URI may hold quotes (`"GET /a" HTTP/1.1"`): take the first `" ` that is followed by
    // fields of the right shapes. The target has no spaces, so a client cannot fake this earlier.
    let close = uriOpen;
    referrerStart = -1;
    while (referrerStart < 0) {
      close = line.indexOf('" ', close + 1);
      if (close < 0) break;
      referrerStart = readMiddle(line, close + 2, offsets);
    }
    setField(offsets, F.requesturi, uriOpen + 1, close);
  } else {
    return WHY.requestUri;
  }
  if (referrerStart < 0) return WHY.middle;

  // --- referrer, user agent and the AWS-written tail -----------------------------------------
  let extraStart: number;
  if (line.charCodeAt(referrerStart) === DASH) {
    const lastQuote = lastQuoteFrom(line, referrerStart);
    // Bare referrer: the user agent is next, bare or quoted; nothing client-written is ambiguous.
    const uaStart = referrerStart + 2;
    if (line.charCodeAt(referrerStart + 1) !== SPACE) return WHY.referrerUserAgent;
    setField(offsets, F.referrer, referrerStart, referrerStart + 1);
    const uaFirst = line.charCodeAt(uaStart);
    if (uaFirst === DASH && lastQuote < uaStart) {
      setField(offsets, F.useragent, uaStart, uaStart + 1);
      extraStart = readTail(line, uaStart + 1, offsets);
    } else if (uaFirst === QUOTE && lastQuote > uaStart) {
      setField(offsets, F.useragent, uaStart + 1, lastQuote);
      extraStart = readTail(line, lastQuote + 1, offsets);
    } else {
      return WHY.referrerUserAgent;
    }
  } else {
    // Quoted referrer (readMiddle checked the quote). One walk over the quotes after it finds both
    // the last quote and the first `" "`, the one place a quoted referrer can end.
    let lastQuote = referrerStart;
    let split = -1;
    for (let at = line.indexOf('"', referrerStart + 1); at >= 0; at = line.indexOf('"', at + 1)) {
      if (split < 0 && line.charCodeAt(at + 1) === SPACE && line.charCodeAt(at + 2) === QUOTE) split = at;
      lastQuote = at;
    }
    if (lastQuote <= referrerStart) return WHY.referrerUserAgent;
    // Two readings: both quoted (the last quote closes the user agent, and the referrer ends at
    // the first `" "`), or a quoted referrer before a bare `-` user agent (the last quote closes the
    // referrer). A referrer containing `" "` can make both fit; the tail's shapes decide. First
    // with the pairing rule — AWS writes cipher suite and TLS version together or neither — which
    // tells a tail read one field off (a host header shaped like `TLSv1` in the TLS slot) from the
    // real one; then without it, so that a line breaking only that rule still reads. (A referrer
    // holding `" "` may still lend part of itself to the user agent; both are client text, and
    // browsers percent-encode quotes in URLs, so the user agent is the one to trust less.)
    const bothQuoted = split > 0 && split + 3 <= lastQuote;
    const bareUserAgent = line.charCodeAt(lastQuote + 1) === SPACE && line.charCodeAt(lastQuote + 2) === DASH;
    extraStart = BAD_TAIL;
    for (let pairing = 1; pairing >= 0 && extraStart === BAD_TAIL; pairing--) {
      if (bothQuoted) {
        extraStart = readTail(line, lastQuote + 1, offsets, pairing === 1);
        if (extraStart !== BAD_TAIL) {
          setField(offsets, F.referrer, referrerStart + 1, split);
          setField(offsets, F.useragent, split + 3, lastQuote);
          break;
        }
      }
      if (bareUserAgent) {
        extraStart = readTail(line, lastQuote + 3, offsets, pairing === 1);
        setField(offsets, F.referrer, referrerStart + 1, lastQuote);
        setField(offsets, F.useragent, lastQuote + 2, lastQuote + 3);
      }
    }
  }
  if (extraStart === BAD_TAIL) return WHY.tail;

  return new S3AccessEvent(
    line,
    offsets,
    extraStart,
    eventTimeMs,
    source,
    sourceOf,
    lineNo,
    parseTimeMs,
    takeRowNumber(),
  );
}

function setField(offsets: number[], field: number, start: number, end: number): void {
  offsets[field * 2] = start;
  offsets[field * 2 + 1] = end;
}

/**
 * Reads `STATUS ERROR BYTES SIZE TOTAL TURNAROUND ` starting at `at` and returns where the referrer
 * starts, or -1 when the text there does not have those shapes.
 */
function readMiddle(line: string, at: number, offsets: number[]): number {
  // Status: three digits or `-`.
  let end: number;
  if (line.charCodeAt(at) === DASH) end = at + 1;
  else if (
    isDigit(line.charCodeAt(at)) &&
    isDigit(line.charCodeAt(at + 1)) &&
    isDigit(line.charCodeAt(at + 2))
  )
    end = at + 3;
  else return -1;
  if (line.charCodeAt(end) !== SPACE) return -1;
  setField(offsets, F.httpstatus, at, end);

  // Error code: a word without quotes (`NoSuchKey`, `-`).
  let start = end + 1;
  end = line.indexOf(' ', start);
  if (end <= start) return -1;
  for (let i = start; i < end; i++) if (line.charCodeAt(i) === QUOTE) return -1;
  setField(offsets, F.errorcode, start, end);

  // Bytes sent, object size, total time, turn-around time: digits or `-`.
  for (let field = F.bytessent; field <= F.turnaroundtime; field++) {
    start = end + 1;
    end = numberEnd(line, start);
    if (end < 0 || line.charCodeAt(end) !== SPACE) return -1;
    setField(offsets, field, start, end);
  }
  const next = line.charCodeAt(end + 1);
  return next === QUOTE || next === DASH ? end + 1 : -1;
}

/** End of a `-` or a run of 1..15 digits at `start`, or -1. */
function numberEnd(line: string, start: number): number {
  if (line.charCodeAt(start) === DASH) return start + 1;
  let at = start;
  while (isDigit(line.charCodeAt(at))) at++;
  return at > start && at - start <= MAX_NUMBER_DIGITS ? at : -1;
}

/**
 * Reads the AWS-written fields after the user agent. `after` is the position just after the user
 * agent (its closing quote or bare `-`); the tail starts with a space and holds at least the fields
 * up to the TLS version (older lines stop there). Returns where unknown trailing fields start,
 * NO_EXTRA_FIELDS, or BAD_TAIL when the fixed fields do not have their shapes — which is how a
 * wrong guess about the quotes is detected. A line cut after its user agent is not read as one with
 * an empty tail: every plain-HTTP check would fire on it.
 */
function readTail(line: string, after: number, offsets: number[], pairing = false): number {
  const length = line.length;
  if (line.charCodeAt(after) !== SPACE) return BAD_TAIL;
  let start = after + 1;
  for (let i = 0; i < TAIL_FIELD_COUNT; i++) {
    let end = line.indexOf(' ', start);
    if (end < 0) end = length;
    if (end === start) return BAD_TAIL; // two spaces in a row, or a trailing space
    setField(offsets, FIRST_TAIL_FIELD + i, start, end);
    if (end === length) {
      if (i + 1 < MIN_TAIL_FIELDS) return BAD_TAIL;
      return checkTailShapes(line, offsets, i + 1, pairing) ? noMoreTailFields(offsets, i + 1) : BAD_TAIL;
    }
    start = end + 1;
  }
  // Unknown trailing fields: single spaces between non-empty words, like every other field.
  if (start >= length || line.charCodeAt(length - 1) === SPACE || line.indexOf('  ', start) >= 0) {
    return BAD_TAIL;
  }
  return checkTailShapes(line, offsets, TAIL_FIELD_COUNT, pairing) ? start : BAD_TAIL;
}

/** Marks the tail fields from `count` on as absent (an old, short line); returns NO_EXTRA_FIELDS. */
function noMoreTailFields(offsets: number[], count: number): number {
  for (let i = count; i < TAIL_FIELD_COUNT; i++) setField(offsets, FIRST_TAIL_FIELD + i, -1, -1);
  return NO_EXTRA_FIELDS;
}

/**
 * The shapes of the tail's fixed fields: what tells a real tail from client text or a shifted
 * reading. `count` is how many tail fields the line has (old lines stop early). Shapes, not word
 * lists, where AWS may add values (SigV4A, a new TLS version): one new word must not turn every
 * line into a parse error. A reading one field off puts a neighbour in each slot, and no
 * neighbour has the shape of the slot: host ids and cipher suites hold digits or `=`, host headers
 * dots, and a cipher suite is never a signature version or a letters-only authentication type.
 */
function checkTailShapes(line: string, offsets: readonly number[], count: number, pairing: boolean): boolean {
  // Plain index arithmetic, no closures or tuples: this runs for every line.
  let s = offsets[F.signatureversion * 2]!;
  let e = offsets[F.signatureversion * 2 + 1]!;
  if (!isDash(line, s, e) && !isSignatureVersion(line, s, e)) return false;
  s = offsets[F.authenticationtype * 2]!;
  e = offsets[F.authenticationtype * 2 + 1]!;
  if (!isDash(line, s, e) && !isAuthenticationType(line, s, e)) return false;
  s = offsets[F.ciphersuite * 2]!;
  e = offsets[F.ciphersuite * 2 + 1]!;
  if (isSignatureVersion(line, s, e) || isAuthenticationType(line, s, e)) return false;
  const plainCipher = isDash(line, s, e);
  s = offsets[F.tlsVersion * 2]!;
  e = offsets[F.tlsVersion * 2 + 1]!;
  const plainTls = isDash(line, s, e);
  if (!plainTls && !isTlsVersion(line, s, e)) return false;
  if (pairing && plainCipher !== plainTls) return false;
  if (count > F.accesspointarn - FIRST_TAIL_FIELD) {
    s = offsets[F.accesspointarn * 2]!;
    e = offsets[F.accesspointarn * 2 + 1]!;
    if (!isDash(line, s, e) && !startsWithWord(line, s, e, ARN_PREFIX)) return false;
  }
  if (count > F.aclrequired - FIRST_TAIL_FIELD) {
    s = offsets[F.aclrequired * 2]!;
    e = offsets[F.aclrequired * 2 + 1]!;
    // `Yes` today; any letters-only word, not that one, so that a value AWS adds is still read.
    // Its neighbours (an ARN, a region) are never letters only.
    if (!isDash(line, s, e) && !isLetterWord(line, s, e)) return false;
  }
  if (count > F.sourceregion - FIRST_TAIL_FIELD) {
    s = offsets[F.sourceregion * 2]!;
    e = offsets[F.sourceregion * 2 + 1]!;
    if (!isDash(line, s, e) && !isRegion(line, s, e)) return false;
  }
  return true;
}

/**
 * `TLSv1`, `TLSv1.2`, `TLSv1.3`, and any later `TLSvN` or `TLSvN.N` (`TLSV1.2` in AWS's examples:
 * letters in any case). Exact, not a prefix: a reading one field off puts the host header here,
 * and `tls.example.com` must not pass for a TLS version.
 */
function isTlsVersion(line: string, start: number, end: number): boolean {
  const length = end - start;
  if (length !== 5 && length !== 7) return false;
  if (
    (line.charCodeAt(start) | 0x20) !== 0x74 /* t */ ||
    (line.charCodeAt(start + 1) | 0x20) !== 0x6c /* l */ ||
    (line.charCodeAt(start + 2) | 0x20) !== 0x73 /* s */ ||
    (line.charCodeAt(start + 3) | 0x20) !== 0x76 /* v */ ||
    !isDigit(line.charCodeAt(start + 4))
  ) {
    return false;
  }
  return length === 5 || (line.charCodeAt(start + 5) === DOT && isDigit(line.charCodeAt(start + 6)));
}

/** `SigV` and one to three letters or digits: SigV2, SigV4, SigV4A. */
function isSignatureVersion(line: string, start: number, end: number): boolean {
  const length = end - start;
  if (length < 5 || length > 7 || !startsWithWord(line, start, end, SIG_V)) return false;
  for (let i = start + 4; i < end; i++) if (!isLetterOrDigit(line.charCodeAt(i))) return false;
  return true;
}

/** A letters-only word (AuthHeader, QueryString): never a cipher suite, host id or host header. */
function isAuthenticationType(line: string, start: number, end: number): boolean {
  return isLetterWord(line, start, end);
}

/** 2 to 20 letters, nothing else. */
function isLetterWord(line: string, start: number, end: number): boolean {
  if (end - start < 2 || end - start > MAX_AUTH_TYPE_LENGTH) return false;
  for (let i = start; i < end; i++) if (!isLetter(line.charCodeAt(i))) return false;
  return true;
}

/** An AWS region code: lower-case words joined by `-`, ending in a number (`ap-southeast-10`). */
function isRegion(line: string, start: number, end: number): boolean {
  let digits = end;
  while (digits > start && isDigit(line.charCodeAt(digits - 1))) digits--;
  if (digits === end || digits - start < 3 || line.charCodeAt(digits - 1) !== DASH) return false;
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || isDigit(c) || c === DASH)) return false;
  }
  return true;
}

function startsWithWord(line: string, start: number, end: number, word: readonly number[]): boolean {
  if (end - start < word.length) return false;
  for (let i = 0; i < word.length; i++) if (line.charCodeAt(start + i) !== word[i]) return false;
  return true;
}

function isLetter(code: number): boolean {
  const c = code | 0x20;
  return c >= 0x61 && c <= 0x7a;
}

function isLetterOrDigit(code: number): boolean {
  return isLetter(code) || isDigit(code);
}

function isDash(line: string, start: number, end: number): boolean {
  return end - start === 1 && line.charCodeAt(start) === DASH;
}

/**
 * A word's char codes, so that comparing reads each line character once and the word from an array
 * (`startsWith` at an offset costs ~50 ns a call, `charCodeAt` ~2 ns).
 */
function charCodes(word: string): readonly number[] {
  return Array.from(word, (char) => char.charCodeAt(0));
}

/**
 * The last `"` at or after `from`, or -1 when there is none there. Forward `indexOf` hops rather
 * than `lastIndexOf`, which is a slow runtime call (~0.3 µs a line); only the referrer and user
 * agent's few quotes lie after `from`, since the AWS-written tail holds none. Callers only compare
 * the result with positions at or after `from`, where -1 means the same as any earlier quote.
 */
function lastQuoteFrom(line: string, from: number): number {
  let last = -1;
  for (let at = line.indexOf('"', from); at >= 0; at = line.indexOf('"', at + 1)) last = at;
  return last;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** A request id: letters and digits (`3E57427F3EXAMPLE`), or `-`. */
function isRequestId(line: string, start: number, end: number): boolean {
  if (end <= start) return false;
  if (isDash(line, start, end)) return true;
  for (let i = start; i < end; i++) {
    const code = line.charCodeAt(i); // read once: each charCodeAt costs about 2 ns
    const c = code | 0x20; // fold upper case onto lower case
    if (!((c >= 0x61 && c <= 0x7a) || isDigit(code))) return false;
  }
  return true;
}

/** An operation: dotted words starting with a letter (`REST.GET.OBJECT`, `S3.EXPIRE.OBJECT`). */
function isOperation(line: string, start: number, end: number): boolean {
  const first = line.charCodeAt(start) | 0x20;
  if (end - start < 3 || first < 0x61 || first > 0x7a) return false;
  let dots = 0;
  for (let i = start + 1; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c === DOT) dots++;
    else if (!(isDigit(c) || c === 0x5f /* _ */ || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a))) return false;
  }
  return dots > 0;
}
