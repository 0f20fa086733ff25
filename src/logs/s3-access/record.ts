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

/**
 * One parsed access log line. It keeps the line and the offsets of its fields and builds a value
 * only when it is read: most rules read two or three of 27 fields, so slicing and converting all of
 * them up front would be wasted on almost every line. Values read once are cached on the record.
 */
export class S3AccessEvent implements LogEvent {
  // Built on first read; `undefined` in a slot means "not read yet" (no value is ever undefined).
  private values: unknown[] | undefined;

  /** @internal Made by `parseS3AccessLine`; the offsets must come from it. */
  constructor(
    /** The original line, without its line ending. */
    readonly line: string,
    /** Start and end offset into `line` of each field, by field index; -1 when the line lacks it. */
    private readonly offsets: readonly number[],
    /** Offset where unknown trailing fields start, or -1 when there are none. */
    private readonly extraStart: number,
    readonly eventTimeMs: number,
    readonly source: SourceRef | undefined,
    private readonly parseTimeMs: number,
    private readonly rowNumber: number,
  ) {}

  get logType(): string {
    return S3_ACCESS_LOG_TYPE;
  }

  get(field: string): unknown {
    // Exact spelling first: the map holds canonical and lower-case names, so the usual lookups
    // never allocate a lower-cased copy of `field`.
    const code = FIELD_CODES.get(field) ?? FIELD_CODES.get(field.toLowerCase());
    return code === undefined ? undefined : this.valueOf(code);
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
    const values = (this.values ??= new Array<unknown>(LOOKUP_CODE_COUNT));
    let value = values[code];
    if (value === undefined) {
      value = this.compute(code);
      values[code] = value;
    }
    return value;
  }

  private compute(code: number): unknown {
    if (code === F.time) return formatEventTime(this.eventTimeMs);
    if (code < FIELD_COUNT) {
      return NUMERIC_FIELDS.has(code) ? this.number(code) : this.text(code);
    }
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
