/**
 * One S3 log object through every stage: GetObject → lines → parse → (drop our own reads) → rules
 * → dedup → dispatch to the sinks, then wait until each alert is settled: the daemon's unit of
 * work, one call per object a notification names. (`scan`, backfills of `s3://` prefixes
 * included, runs the same line pipeline through scan.ts instead: no messages to settle.)
 *
 * The result says whether the source may be forgotten: `done` when every alert is delivered or
 * recorded in the ledger (or the object is gone for good), `retry` otherwise. Memory is bounded
 * whatever the object size: the body is streamed, lines are capped, and at most
 * MAX_PENDING_DISPATCHES alerts are in delivery before reading pauses.
 */
import type { Readable } from 'node:stream';
import type { Alert } from '../alert/alert.js';
import type { Deduplicator } from '../alert/dedup.js';
import { LinePipeline, type PipelineCounts } from './line-pipeline.js';
import type { RuleEngine } from '../detect/engine.js';
import { forEachLine } from '../ingest/decode.js';
import type { ObjectRef } from '../ingest/notifications.js';
import { S3ReadError } from '../ingest/s3-object-reader.js';
import type { LogEvent } from '../logs/event.js';
import type { Logger } from '../observe/logger.js';
import type { Metrics } from '../observe/metrics.js';
import type { DispatchOutcome } from '../sinks/index.js';
import { MAX_PENDING_DISPATCHES, PendingDeliveries } from './pending-deliveries.js';
import type { UndeliveredAlerts } from './undelivered-alerts.js';

export { MAX_PENDING_DISPATCHES };

/** What a `gone` read means, by S3's error code. */
const GONE_MESSAGES: Record<string, string> = {
  NoSuchKey: 'log object was deleted before it was read, so its lines were not checked; skipped',
  NoSuchVersion:
    'the announced version of the log object was deleted before it was read, so its lines were not checked; skipped',
  PreconditionFailed:
    'log object was replaced after it was announced, so the announced lines were not checked; skipped',
  NoSuchBucket: 'the log bucket no longer exists; skipped',
};
/** Parse errors logged per object; the rest are only counted. */
const LOGGED_PARSE_ERRORS_PER_OBJECT = 3;

/** What opens an object: S3ObjectReader, or anything with the same `open`. */
export interface ObjectOpener {
  open(ref: ObjectRef, signal?: AbortSignal): Promise<{ body: Readable }>;
}

/** What delivers an alert: the Dispatcher. Must never reject. */
export interface AlertDispatcher {
  dispatch(alert: Alert): Promise<DispatchOutcome>;
}

export interface ObjectProcessorOptions {
  reader: ObjectOpener;
  engine: RuleEngine;
  dedup: Deduplicator;
  dispatcher: AlertDispatcher;
  metrics: Metrics;
  logger: Logger;
  /** True for log lines that record our own reads (see ingest/self-identity.ts); they never alert. */
  isOwnRead?: (event: LogEvent) => boolean;
  /** Longest line accepted (default: the line splitter's 64 KiB). */
  maxLineBytes?: number;
  /** Alerts left undelivered by an earlier read of the same object, to dispatch again. */
  undelivered?: UndeliveredAlerts;
  /** Dedup for objects read again (a fresh one reopens their alerts); default: `dedup`. */
  replayDedup?: () => Deduplicator;
}

export interface ProcessOptions {
  /** The object was (probably) read before: its message came back. */
  replay?: boolean;
}

/**
 * - `processed`: read to the end, every alert settled;
 * - `gone`: the object no longer exists (nothing to retry);
 * - `read-failed`: GetObject or decoding failed;
 * - `store-failed`: the shared dedup store failed (not the object's fault);
 * - `undelivered`: read to the end, but some alert is not delivered yet;
 * - `aborted`: the consumer gave the message up (shutdown, visibility limit).
 */
export type ObjectOutcome = 'processed' | 'gone' | 'read-failed' | 'store-failed' | 'undelivered' | 'aborted';

export interface ObjectCounts extends PipelineCounts {
  /** Decoded bytes. */
  bytes: number;
  /** Lines recording our own reads, dropped before the rules. */
  ownReads: number;
  /** Alerts of an earlier read of this object dispatched again. */
  redispatched: number;
  /** Alerts not delivered to every sink when processing ended (each counted once). */
  undelivered: number;
}

export interface ObjectResult {
  ref: ObjectRef;
  /** `done`: the source may be forgotten; `retry`: it must be read again later. */
  status: 'done' | 'retry';
  outcome: ObjectOutcome;
  counts: ObjectCounts;
  /** From GetObject to every alert settled. */
  seconds: number;
}

/** The dedup store failed (a shared store out of reach): not the object's fault. */
class DedupFailure extends Error {
  constructor(cause: unknown) {
    super('dedup store failed', { cause });
    this.name = 'DedupFailure';
  }
}

export class ObjectProcessor {
  /** Shared by every object this processor reads. */
  private readonly seen: SeenSoFar = { newestEventMs: -Infinity };

  constructor(private readonly options: ObjectProcessorOptions) {}

  /** Never throws: failures end in a `retry` (or `gone`) result, logged once. */
  async process(ref: ObjectRef, signal: AbortSignal, options: ProcessOptions = {}): Promise<ObjectResult> {
    const dedup = options.replay ? this.options.replayDedup?.() : undefined;
    return new ObjectRun(
      ref,
      signal,
      { ...this.options, dedup: dedup ?? this.options.dedup },
      this.seen,
    ).run();
  }
}

interface SeenSoFar {
  newestEventMs: number;
}

/** The state of one object being processed. */
class ObjectRun {
  private readonly started = performance.now();
  private readonly pending = new PendingDeliveries();
  private readonly log: Logger;
  private readonly pipeline: LinePipeline;
  private ownReads = 0;
  private redispatched = 0;
  /** Ids of alerts not delivered to every sink: an alert held from an earlier read and opened again
   * by this one is one alert. */
  private readonly undelivered = new Set<string>();
  private bytes = 0;
  private newestEventMs: number | undefined;
  private readSeconds = 0;

  constructor(
    private readonly ref: ObjectRef,
    private readonly signal: AbortSignal,
    private readonly options: ObjectProcessorOptions,
    private readonly seen: SeenSoFar,
  ) {
    this.log = options.logger.child({ bucket: ref.bucket, key: ref.key });
    let parseErrorsLogged = 0;
    this.pipeline = new LinePipeline({
      engine: options.engine,
      dedup: options.dedup,
      metrics: options.metrics,
      emit: (alert) => this.dispatch(alert),
      exclude: (event) => this.exclude(event),
      onParseError: (error, source) => {
        if (parseErrorsLogged++ < LOGGED_PARSE_ERRORS_PER_OBJECT)
          this.log.warn({ line: source.line, err: error.message }, 'log line does not parse; skipped');
      },
      onTooLong: (source, bytes) => {
        // Shares the parse errors' cap: an object of long lines must not flood the log.
        if (parseErrorsLogged++ < LOGGED_PARSE_ERRORS_PER_OBJECT)
          this.log.warn({ line: source.line, bytes }, 'log line too long; skipped');
      },
    });
  }

  async run(): Promise<ObjectResult> {
    for (const alert of this.options.undelivered?.heldFor(this.ref) ?? []) {
      this.redispatched++;
      this.dispatch(alert);
    }
    let outcome: ObjectOutcome;
    try {
      await this.read();
      outcome = 'processed';
    } catch (err) {
      outcome = this.readFailure(err);
    }
    if (outcome !== 'aborted' && !(await this.settle())) outcome = 'aborted';
    if (outcome === 'processed' && this.undelivered.size > 0) outcome = 'undelivered';
    return this.finish(outcome);
  }

  private async read(): Promise<void> {
    const { reader, maxLineBytes } = this.options;
    const { bucket, key } = this.ref;
    const readStarted = performance.now();
    const { body } = await reader.open(this.ref, this.signal);
    try {
      const result = await forEachLine(
        body,
        this.pipeline.lineHandlerFor((line) => ({ bucket, key, line })),
        {
          maxLineBytes,
          afterChunk: (bytes) => {
            this.bytes = bytes; // kept when the read is cut short: the work done still shows
            return this.afterChunk();
          },
        },
      );
      this.bytes = result.bytes;
    } finally {
      // An early exit (abort, error) leaves the body half read: release its connection.
      body.destroy();
      this.readSeconds = (performance.now() - readStarted) / 1000;
    }
  }

  /** Between chunks: wait for dedup, stop when aborted, pause while deliveries pile up. */
  private async afterChunk(): Promise<void> {
    try {
      await this.pipeline.flush();
    } catch (err) {
      throw new DedupFailure(err);
    }
    this.signal.throwIfAborted();
    await this.pending.waitBelowMax(() => this.signal.throwIfAborted());
  }

  private exclude(event: LogEvent): boolean {
    const time = event.eventTimeMs;
    if (time !== undefined && (this.newestEventMs === undefined || time > this.newestEventMs))
      this.newestEventMs = time;
    if (this.options.isOwnRead?.(event)) {
      this.ownReads++;
      return true;
    }
    return false;
  }

  private dispatch(alert: Alert): void {
    const { dispatcher, undelivered } = this.options;
    const delivery = dispatcher.dispatch(alert).then((outcome) => {
      if (outcome.settled) {
        undelivered?.release(this.ref, alert.alertId);
      } else if (!this.undelivered.has(alert.alertId)) {
        // Once per alert: a held alert dispatched again and the same alert reopened by this read
        // are one delivery (the dispatcher joins them), and one warning.
        this.undelivered.add(alert.alertId);
        undelivered?.hold(this.ref, alert);
        this.log.warn(
          { alertId: alert.alertId, rule: alert.ruleId, sinks: outcome.sinks },
          'alert not delivered to every sink; the message will come back',
        );
      }
    });
    this.pending.add(delivery);
  }

  /** Waits until every alert is settled; false when aborted first (deliveries go on meanwhile). */
  private async settle(): Promise<boolean> {
    const all = this.pending.all().then(() => true);
    if (this.signal.aborted) return false;
    let onAbort!: () => void;
    const aborted = new Promise<boolean>((resolve) => {
      onAbort = () => resolve(false);
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([all, aborted]);
    } finally {
      this.signal.removeEventListener('abort', onAbort);
    }
  }

  private readFailure(err: unknown): ObjectOutcome {
    if (this.signal.aborted) return 'aborted';
    if (err instanceof S3ReadError) {
      if (err.kind === 'gone') {
        // What the notification announced can never be read now, so its lines go unchecked: an
        // error, for the alarm. Log objects are written once and never changed, so this is log
        // tampering, or a lifecycle rule shorter than the backlog.
        this.log.error({ errorCode: err.errorCode }, GONE_MESSAGES[err.errorCode] ?? GONE_MESSAGES.NoSuchKey);
        return 'gone';
      }
      // Throttling heals by itself; access denied, a KMS key, an object too large do not: those
      // are errors, for the alarm on error-level lines (CloudFormation's ErrorLogAlarm).
      const level = err.kind === 'throttled' ? 'warn' : 'error';
      this.log[level](
        { errorCode: err.errorCode, kind: err.kind },
        'log object could not be read; will retry',
      );
      return 'read-failed';
    }
    if (err instanceof DedupFailure) {
      this.log.error({ err: err.cause }, 'dedup store failed while reading the log object; will retry');
      return 'store-failed';
    }
    // Corrupt gzip, a stream cut short: retrying may help, and the receive cap or DLQ bounds it.
    this.log.error({ err }, 'log object could not be decoded; will retry');
    return 'read-failed';
  }

  private finish(outcome: ObjectOutcome): ObjectResult {
    const { metrics } = this.options;
    const seconds = (performance.now() - this.started) / 1000;
    const counts: ObjectCounts = {
      ...this.pipeline.counts,
      bytes: this.bytes,
      ownReads: this.ownReads,
      redispatched: this.redispatched,
      // Cut short, deliveries still under way may not arrive: they count as undelivered, so the
      // message is kept for them (ingest/sqs/processor.ts), and only for them.
      undelivered: this.undelivered.size + (outcome === 'aborted' ? this.pending.size : 0),
    };
    metrics.objects.inc({ outcome });
    metrics.bytes.inc(counts.bytes);
    metrics.lines.inc(counts.lines);
    metrics.objectSeconds.observe(seconds);
    if (this.newestEventMs !== undefined) {
      metrics.eventLagSeconds.set((Date.now() - this.newestEventMs) / 1000);
      // Objects finish in any order: the gauge only moves forward.
      if (this.newestEventMs > this.seen.newestEventMs) {
        this.seen.newestEventMs = this.newestEventMs;
        metrics.newestEventTimestamp.set(this.newestEventMs / 1000);
      }
    }
    const status = outcome === 'processed' || outcome === 'gone' ? 'done' : 'retry';
    this.log.info(
      {
        outcome,
        ...counts,
        readSeconds: round(this.readSeconds),
        seconds: round(seconds),
      },
      'log object processed',
    );
    return { ref: this.ref, status, outcome, counts, seconds };
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
