/**
 * A LogEvent over a plain object: what rule tests (`Tests[].Log`) and embedders that already hold
 * JSON records evaluate rules against. Field lookups are case-insensitive, like every LogEvent.
 */
import type { LogEvent, SourceRef } from '../logs/event.js';
import { ADDITIONAL_FIELDS_CODE, F, fieldCode, S3_ACCESS_LOG_TYPE } from '../logs/s3-access/fields.js';

// Panther writes `2019-02-06 00:00:38.000000000` (UTC, nanoseconds); ISO 8601 is accepted too.
const PANTHER_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/;

/** Milliseconds since the epoch for a Panther or ISO 8601 time string; `undefined` if unreadable. */
export function parseEventTime(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string') return undefined;
  const match = PANTHER_TIME.exec(value.trim());
  if (!match) return undefined;
  const [, date, time, fraction, zone] = match;
  const millis = (fraction ?? '').padEnd(3, '0').slice(0, 3);
  const ms = Date.parse(`${date}T${time}.${millis}${zone ?? 'Z'}`);
  return Number.isNaN(ms) ? undefined : ms;
}

export interface ObjectEventOptions {
  /** Defaults to the record's `p_log_type`. */
  logType?: string;
  source?: SourceRef;
}

const INDICATOR_LISTS = new Set(['p_any_ip_addresses', 'p_any_aws_arns', 'p_any_aws_account_ids']);

/**
 * What a live access-log record gives for a field a rule test's Log lacks. Panther leaves `-`
 * fields out of a record, so a Log lacks them: a line field reads as null, as a `-` does on a live
 * line. An indicator list is empty, never null, on a live line. Fields every live record has
 * (`time`, `p_event_time`…) and unknown names stay undefined: the Log simply lacks them.
 */
function accessLogDefault(field: string): unknown {
  const code = fieldCode(field);
  if (code === undefined || code === F.time) return undefined;
  if (code <= ADDITIONAL_FIELDS_CODE) return null;
  return INDICATOR_LISTS.has(field.toLowerCase()) ? [] : undefined;
}

export class ObjectEvent implements LogEvent {
  readonly logType: string;
  readonly eventTimeMs: number | undefined;
  readonly source: SourceRef | undefined;
  private lowerKeys: Map<string, string> | undefined;

  constructor(
    private readonly record: Record<string, unknown>,
    options: ObjectEventOptions = {},
  ) {
    this.logType = options.logType ?? (typeof record.p_log_type === 'string' ? record.p_log_type : 'unknown');
    this.source = options.source;
    this.eventTimeMs = parseEventTime(this.get('p_event_time')) ?? parseEventTime(this.get('time'));
  }

  get(field: string, fallback?: unknown): unknown {
    const value = this.lookUp(field);
    return fallback !== undefined && (value === null || value === undefined) ? fallback : value;
  }

  private lookUp(field: string): unknown {
    if (Object.hasOwn(this.record, field)) return this.record[field];
    if (!this.lowerKeys) {
      this.lowerKeys = new Map();
      for (const key of Object.keys(this.record)) {
        const lower = key.toLowerCase();
        if (!this.lowerKeys.has(lower)) this.lowerKeys.set(lower, key);
      }
    }
    const key = this.lowerKeys.get(field.toLowerCase());
    if (key !== undefined) return this.record[key];
    return this.logType === S3_ACCESS_LOG_TYPE ? accessLogDefault(field) : undefined;
  }

  toJSON(): Record<string, unknown> {
    return this.record;
  }
}
