import type { LogEvent, SourceRef } from '../event.js';
import {
  ADDITIONAL_FIELDS,
  ADDITIONAL_FIELDS_CODE,
  F,
  FIELD_CODES,
  FIELD_COUNT,
  FIELD_NAMES,
  NUMERIC_FIELDS,
  S3_ACCESS_LOG_TYPE,
  LOOKUP_CODE_COUNT,
  STANDARD_FIELD_CODE_BASE,
  STANDARD_FIELD_NAMES,
  standardFieldCode,
} from './fields.js';
import { accountIdIndicators, arnIndicators, formatRowId, ipIndicators } from './standard-fields.js';
import { memoizedPantherTimeFormatter } from './time.js';

const DASH = 0x2d;
const CHAR_0 = 48;
const ARNS_CODE = standardFieldCode('p_any_aws_arns');
const formatEventTime = memoizedPantherTimeFormatter();
const formatParseTime = memoizedPantherTimeFormatter();
/** `NUMERIC_FIELDS` as a by-index table: an array read is cheaper than a Set lookup per field read. */
const NUMERIC_FIELDS_BY_INDEX: readonly boolean[] = FIELD_NAMES.map((_, index) => NUMERIC_FIELDS.has(index));

/** Builds the SourceRef of a line number on demand (see `parseS3AccessLineAt`). */
export type SourceOf = (line: number) => SourceRef;

/**
 * One parsed access log line. It keeps the line and the offsets of its fields and builds a value
 * only when it is read: most rules read two or three of 27 fields, so slicing and converting all of
 * them up front would be wasted on almost every line.
 *
 * Speed: a line field is sliced (or its digits summed) on every read rather than cached — a rule
 * pack reads most fields once per line, so a cache (an array of every field, per line) was mostly
 * allocation for the garbage collector. Only values that are costly or must keep their identity
 * (the standard fields' lists, `additionalfields`) are cached, in an array made on first read.
 * The source is likewise built on demand from `sourceOf(lineNo)`: most lines never need it.
 */
export class S3AccessEvent implements LogEvent {
  // Derived values, built on first read; `undefined` in a slot means "not read yet".
  private derived: unknown[] | undefined;
  private sourceRef: SourceRef | undefined;

  /** @internal Made by `parseS3AccessLine`; the offsets must come from it. */
  constructor(
    /** The original line, without its line ending. */
    readonly line: string,
    /** Start and end offset into `line` of each field, by field index; -1 when the line lacks it. */
    private readonly offsets: readonly number[],
    /** Offset where unknown trailing fields start, or -1 when there are none. */
    private readonly extraStart: number,
    readonly eventTimeMs: number,
    source: SourceRef | undefined,
    private readonly sourceOf: SourceOf | undefined,
    private readonly lineNo: number,
    private readonly parseTimeMs: number,
    private readonly rowNumber: number,
  ) {
    this.sourceRef = source;
  }

  /** Where the line came from; built on first read when the parser was given `sourceOf`. */
  get source(): SourceRef | undefined {
    if (this.sourceRef === undefined && this.sourceOf !== undefined) {
      this.sourceRef = this.sourceOf(this.lineNo);
    }
    return this.sourceRef;
  }

  get logType(): string {
    return S3_ACCESS_LOG_TYPE;
  }

  /**
   * The whole line. Not the request id alone, though it names a request: one multi-object delete
   * logs a line per object, all with its request id, and a Threshold rule (MassDeletion) must
   * count each of them.
   */
  get identityText(): string {
    return this.line;
  }

  get(field: string, fallback?: unknown): unknown {
    // Exact spelling first: the map holds canonical and lower-case names, so the usual lookups
    // never allocate a lower-cased copy of `field`.
    const code = FIELD_CODES.get(field) ?? FIELD_CODES.get(field.toLowerCase());
    const value = code === undefined ? undefined : this.valueOf(code);
    return fallback !== undefined && (value === null || value === undefined) ? fallback : value;
  }

  /** A line field's text as written (quotes removed), or null for `-`, empty or absent fields. */
  text(fieldIndex: number): string | null {
    const start = this.offsets[fieldIndex * 2]!;
    const end = this.offsets[fieldIndex * 2 + 1]!;
    if (start < 0 || end === start) return null;
    if (end - start === 1 && this.line.charCodeAt(start) === DASH) return null;
    return this.line.slice(start, end);
  }

  toJSON(): Record<string, unknown> {
    // Panther omits empty fields rather than writing null; so do we.
    const record: Record<string, unknown> = {};
    for (let index = 0; index < FIELD_COUNT; index++) {
      const value = this.valueOf(index);
      if (value !== null) record[FIELD_NAMES[index]!] = value;
    }
    const extra = this.valueOf(ADDITIONAL_FIELDS_CODE);
    if (extra !== null) record[ADDITIONAL_FIELDS] = extra;
    for (let index = 0; index < STANDARD_FIELD_NAMES.length; index++) {
      const value = this.valueOf(STANDARD_FIELD_CODE_BASE + index);
      if (value === null || (Array.isArray(value) && value.length === 0)) continue;
      record[STANDARD_FIELD_NAMES[index]!] = value;
    }
    return record;
  }

  private valueOf(code: number): unknown {
    if (code < FIELD_COUNT) {
      if (code === F.time) return formatEventTime(this.eventTimeMs);
      return NUMERIC_FIELDS_BY_INDEX[code] ? this.number(code) : this.text(code);
    }
    const derived = (this.derived ??= new Array<unknown>(LOOKUP_CODE_COUNT - FIELD_COUNT));
    let value = derived[code - FIELD_COUNT];
    if (value === undefined) {
      value = this.compute(code);
      derived[code - FIELD_COUNT] = value;
    }
    return value;
  }

  /** A value derived from the line (code >= FIELD_COUNT). */
  private compute(code: number): unknown {
    if (code === ADDITIONAL_FIELDS_CODE) {
      return this.extraStart < 0 ? null : this.line.slice(this.extraStart).split(' ');
    }
    switch (STANDARD_FIELD_NAMES[code - STANDARD_FIELD_CODE_BASE]) {
      case 'p_log_type':
        return S3_ACCESS_LOG_TYPE;
      case 'p_event_time':
        return this.valueOf(F.time);
      case 'p_parse_time':
        return formatParseTime(this.parseTimeMs);
      case 'p_row_id':
        return formatRowId(this.rowNumber);
      case 'p_any_ip_addresses':
        return ipIndicators(this.text(F.remoteip));
      case 'p_any_aws_arns':
        return arnIndicators([this.text(F.requester), this.text(F.accesspointarn)]);
      case 'p_any_aws_account_ids':
        return accountIdIndicators(this.valueOf(ARNS_CODE) as string[]);
      case 'p_source':
        return this.source ?? null;
      default:
        return undefined;
    }
  }

  /** A numeric field; the parser has checked it is digits or `-`. */
  private number(fieldIndex: number): number | null {
    const start = this.offsets[fieldIndex * 2]!;
    const end = this.offsets[fieldIndex * 2 + 1]!;
    if (start < 0 || end === start || this.line.charCodeAt(start) === DASH) return null;
    let value = 0;
    for (let at = start; at < end; at++) value = value * 10 + (this.line.charCodeAt(at) - CHAR_0);
    return value;
  }
}
