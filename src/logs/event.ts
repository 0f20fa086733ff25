/**
 * What every later stage sees of one log line: a record whose fields are read on demand.
 *
 * Rules look fields up case-insensitively (Panther's `event.get('tlsversion')` finds `tlsVersion`),
 * and most rules read two or three fields of a 27-field line, so records materialise a field only
 * when it is read. Test events (a rule's `Tests[].Log`) implement the same interface over a plain
 * object.
 */
export interface LogEvent {
  /** The Panther log type, e.g. `AWS.S3ServerAccess`. */
  readonly logType: string;
  /**
   * The value of a top-level field, looked up case-insensitively. `null` when the field is empty or
   * absent from this record but part of its log type's schema (`-` in an access log, which Panther
   * leaves out, so a rule test's Log lacks it too), `undefined` when the log type has no such field.
   * With `fallback`, that is returned instead of `null` or `undefined`, as Panther's
   * `event.get(key, default)` returns its default for a field the record lacks.
   */
  get(field: string, fallback?: unknown): unknown;
  /** The event's own time in milliseconds since the epoch, or `undefined` when it has none. */
  readonly eventTimeMs: number | undefined;
  /** Where the event came from (file and line, or bucket, key and line). */
  readonly source: SourceRef | undefined;
  /**
   * Text that tells this event from every other (for an access log, its whole line), the same
   * however often and from wherever it is read: for counting a match once. Absent for a rule
   * test's Log.
   */
  readonly identityText?: string;
  /** The full record as a plain JSON object with Panther's field names. */
  toJSON(): Record<string, unknown>;
}

/** Where a log line came from: `{bucket, key, line}` for S3 objects, `{file, line}` for files and stdin. */
export type SourceRef = { bucket: string; key: string; line: number } | { file: string; line: number };
