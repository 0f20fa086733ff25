/**
 * The core of `s3-sentinel scan`, usable without the CLI: inputs (local files, stdin, `s3://`
 * prefixes) → lines → parse → rules → dedup → `emit(alert)`. Returns the counts the summary line
 * reports. Delivery is the caller's: see src/cli/scan-session.ts for the sinks of a config.
 */
import { Readable } from 'node:stream';
import type { Alert } from '../alert/alert.js';
import { Deduplicator } from '../alert/dedup.js';
import type { DedupStore } from '../alert/dedup-store.js';
import { MemoryDedupStore } from '../alert/memory-dedup-store.js';
import { forEachLine } from '../ingest/decode.js';
import type { SourceRef } from '../logs/event.js';
import type { ParseError } from '../logs/s3-access/index.js';
import type { Logger } from '../observe/logger.js';
import type { Metrics } from '../observe/metrics.js';
import { RuleEngine } from '../detect/engine.js';
import { LinePipeline, type PipelineCounts } from './line-pipeline.js';
import type { CompiledRule } from '../detect/rule.js';
import { RuleErrorLog } from '../detect/rule-errors.js';
import { isS3Path, scanInputs, type S3InputOptions } from '../ingest/scan-inputs.js';

export { ScanSourceError, type S3InputOptions } from '../ingest/scan-inputs.js';

export interface ScanOptions {
  /** Files, directories (recursive), `-` for stdin, `s3://bucket/prefix`; in this order. */
  paths: string[];
  rules: readonly CompiledRule[];
  /** Receives each alert once, as dedup opens it. */
  emit: (alert: Alert) => void;
  /**
   * Awaited after every chunk read, before reading on: lets whoever receives the alerts push back
   * (a bounded delivery queue), so that a slow sink slows the scan instead of filling memory.
   */
  backpressure?: () => Promise<void>;
  /** Required when a path is an `s3://` URL. */
  s3?: S3InputOptions;
  /** Defaults to a fresh in-memory store. */
  store?: DedupStore;
  metrics?: Metrics;
  logger?: Logger;
  onParseError?: (error: ParseError, source: SourceRef) => void;
  onTooLong?: (source: SourceRef, bytes: number) => void;
  /**
   * An input that could not be read, or stopped being readable (S3 AccessDenied, a corrupt gzip
   * stream): the scan goes on with the next input. Lines read before the failure still count.
   */
  onInputError?: (name: string, error: Error) => void;
  /** Called after every chunk read, for progress displays. */
  onProgress?: (counts: ScanCounts) => void;
  /** Stops the scan after the chunk being read (Ctrl-C); the counts then say `interrupted`. */
  signal?: AbortSignal;
}

export interface ScanCounts extends PipelineCounts {
  inputs: number;
  /** Inputs that could not be read to the end. */
  inputErrors: number;
  bytes: number;
  ruleErrors: number;
  /** True when `signal` stopped the scan before its inputs ended. */
  interrupted?: boolean;
}

/** Counts rule errors for the summary, then hands them to the usual log-once reporting. */
class CountingRuleErrors extends RuleErrorLog {
  count = 0;
  override report(...args: Parameters<RuleErrorLog['report']>): void {
    this.count++;
    super.report(...args);
  }
}

/**
 * Scans every input in order. Throws LocalInputError (a local path does not exist) or
 * ScanSourceError (a bad `s3://` URL, a prefix that cannot be listed); any other unreadable input
 * is reported through `onInputError` and counted.
 */
export async function scan(options: ScanOptions): Promise<ScanCounts> {
  const { metrics } = options;
  const errors = new CountingRuleErrors(metrics, options.logger);
  const engine = new RuleEngine({ rules: options.rules, metrics, errors });
  const store = options.store ?? new MemoryDedupStore();
  const dedup = new Deduplicator({ store, metrics, errors });
  const pipeline = new LinePipeline({
    engine,
    dedup,
    emit: options.emit,
    metrics,
    onParseError: options.onParseError,
    onTooLong: options.onTooLong,
  });
  const totals = { inputs: 0, inputErrors: 0, bytes: 0 };
  const { signal } = options;
  const snapshot = (): ScanCounts => ({
    ...pipeline.counts,
    ...totals,
    ruleErrors: errors.count,
    ...(signal?.aborted ? { interrupted: true } : {}),
  });
  const afterChunk = async () => {
    await pipeline.flush();
    await options.backpressure?.();
    options.onProgress?.(snapshot());
    signal?.throwIfAborted(); // stops forEachLine; the loop below tells it from a read error
  };
  try {
    for await (const input of scanInputs(options.paths, options.s3)) {
      if (signal?.aborted) break;
      totals.inputs++;
      const fromS3 = isS3Path(input.name);
      const linesBefore = pipeline.counts.lines;
      // A reader waiting for a chunk never reaches `afterChunk`: stdin from a pipe that stays open
      // (`tail -f … | s3-sentinel scan -`) would keep an interrupted scan waiting. Destroy it.
      let stopReading: (() => void) | undefined;
      try {
        const stream = await input.open();
        // Files are read in chunks that always come; S3 bodies are opened with the signal already.
        if (stream instanceof Readable) {
          stopReading = () => stream.destroy(signal?.reason as Error | undefined);
          signal?.addEventListener('abort', stopReading, { once: true });
          if (signal?.aborted) stopReading(); // interrupted while it was being opened
        }
        const result = await forEachLine(stream, pipeline.lineHandlerFor(input.sourceOf), { afterChunk });
        totals.bytes += result.bytes;
        metrics?.bytes.inc(result.bytes);
        if (fromS3) metrics?.objects.inc({ outcome: 'processed' });
      } catch (err) {
        // Alerts opened by the lines read so far are kept: they are as real as any other.
        await pipeline.flush();
        if (signal?.aborted) break;
        totals.inputErrors++;
        if (fromS3) metrics?.objects.inc({ outcome: 'read-failed' });
        const error = err instanceof Error ? err : new Error(String(err));
        if (options.onInputError) options.onInputError(input.name, error);
        else options.logger?.error({ input: input.name, err: error }, 'input could not be read');
      } finally {
        if (stopReading) signal?.removeEventListener('abort', stopReading);
        metrics?.lines.inc(pipeline.counts.lines - linesBefore);
      }
    }
    await pipeline.flush();
  } catch (err) {
    // Interrupted while an input was being listed or opened (an S3 listing page): that is the
    // interruption, not a failure of the inputs.
    if (!signal?.aborted) throw err;
    await pipeline.flush();
  } finally {
    if (!options.store) await store.close();
  }
  return snapshot();
}
