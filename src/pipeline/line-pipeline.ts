/**
 * parse → detect → dedup for lines of S3 access logs, from any source: `scan` feeds it files and
 * stdin (scan.ts); the daemon, S3 objects (object-processor.ts). The per-line path is synchronous (the line splitter's
 * callbacks are). With the memory store dedup decides at once too; only a shared (async) store
 * puts matches in flight, and `flush()` — called after each chunk — waits for those, which also
 * bounds the work in flight.
 */
import type { Alert } from '../alert/alert.js';
import type { Deduplicator } from '../alert/dedup.js';
import type { LineHandler } from '../ingest/line-splitter.js';
import type { LogEvent, SourceRef } from '../logs/event.js';
import { isParseError, parseS3AccessLineAt, type ParseError } from '../logs/s3-access/index.js';
import type { Metrics } from '../observe/metrics.js';
import type { RuleEngine } from '../detect/engine.js';

export interface PipelineCounts {
  lines: number;
  records: number;
  parseErrors: number;
  tooLong: number;
  matches: number;
  alerts: number;
  suppressed: number;
}

export interface LinePipelineOptions {
  engine: RuleEngine;
  dedup: Deduplicator;
  /** Receives each alert once, in the order dedup decides them. */
  emit: (alert: Alert) => void;
  metrics?: Pick<Metrics, 'parseErrors'>;
  onParseError?: (error: ParseError, source: SourceRef) => void;
  onTooLong?: (source: SourceRef, bytes: number) => void;
  /** Consulted after parse and before rules; true drops the event (the daemon's own reads). */
  exclude?: (event: LogEvent) => boolean;
}

export class LinePipeline {
  readonly counts: PipelineCounts = {
    lines: 0,
    records: 0,
    parseErrors: 0,
    tooLong: 0,
    matches: 0,
    alerts: 0,
    suppressed: 0,
  };
  private pending: Promise<void>[] = [];

  constructor(private readonly options: LinePipelineOptions) {}

  /** The line handler for `forEachLine`; `sourceOf` says where line n came from. */
  lineHandlerFor(sourceOf: (lineNo: number) => SourceRef): LineHandler {
    return {
      // The SourceRef is built lazily (by the record, or here for an error): most lines need none.
      line: (text, lineNo) => this.handle(parseS3AccessLineAt(text, sourceOf, lineNo)),
      tooLong: (lineNo, bytes) => {
        this.counts.lines++;
        this.counts.tooLong++;
        this.options.metrics?.parseErrors.inc();
        this.options.onTooLong?.(sourceOf(lineNo), bytes);
      },
    };
  }

  private handle(event: LogEvent | ParseError): void {
    this.counts.lines++;
    if (isParseError(event)) {
      this.counts.parseErrors++;
      this.options.metrics?.parseErrors.inc();
      // The parser always gives the error the line's source here.
      this.options.onParseError?.(event, event.source!);
      return;
    }
    this.counts.records++;
    if (this.options.exclude?.(event)) return;
    const matches = this.options.engine.evaluate(event);
    if (matches.length === 0) return;
    for (const match of matches) {
      this.counts.matches++;
      // A store that counts in this process (memory) decides at once: no promise per match.
      const decided = this.options.dedup.offerNow(match);
      if (decided instanceof Promise) this.pending.push(decided.then(this.decided));
      else this.decided(decided);
    }
  }

  /** Counts a dedup decision and emits its alert. An arrow: used as a `then` callback. */
  private readonly decided = (alert: Alert | null): void => {
    if (!alert) {
      this.counts.suppressed++;
      return;
    }
    this.counts.alerts++;
    this.options.emit(alert);
  };

  /** Waits for the dedup decisions of every line seen so far. */
  async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      await Promise.all(batch);
    }
  }
}
