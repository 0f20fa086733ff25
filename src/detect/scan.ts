/**
 * The core of `s3-sentinel scan`, usable without the CLI: local files (or stdin) → lines → parse →
 * rules → dedup → `emit(alert)`. Returns the counts the summary line reports.
 */
import type { Alert } from '../alert/alert.js';
import { Deduplicator } from '../alert/dedup.js';
import type { DedupStore } from '../alert/dedup-store.js';
import { MemoryDedupStore } from '../alert/memory-dedup-store.js';
import { forEachLine } from '../ingest/decode.js';
import { listLocalInputs } from '../ingest/local-files.js';
import type { SourceRef } from '../logs/event.js';
import type { ParseError } from '../logs/s3-access/index.js';
import type { Logger } from '../observe/logger.js';
import type { Metrics } from '../observe/metrics.js';
import { RuleEngine } from './engine.js';
import { LinePipeline, type PipelineCounts } from './line-pipeline.js';
import type { CompiledRule } from './rule.js';
import { RuleErrorLog } from './rule-errors.js';

export interface ScanOptions {
  paths: string[];
  rules: readonly CompiledRule[];
  emit: (alert: Alert) => void;
  /** Defaults to a fresh in-memory store. */
  store?: DedupStore;
  metrics?: Metrics;
  logger?: Logger;
  onParseError?: (error: ParseError, source: SourceRef) => void;
  onTooLong?: (source: SourceRef, bytes: number) => void;
  /** Called after every chunk read, for progress displays. */
  onProgress?: (counts: ScanCounts) => void;
}

export interface ScanCounts extends PipelineCounts {
  inputs: number;
  bytes: number;
  ruleErrors: number;
}

/** Counts rule errors for the summary, then hands them to the usual log-once reporting. */
class CountingRuleErrors extends RuleErrorLog {
  count = 0;
  override report(...args: Parameters<RuleErrorLog['report']>): void {
    this.count++;
    super.report(...args);
  }
}

export async function scanLocalPaths(options: ScanOptions): Promise<ScanCounts> {
  const errors = new CountingRuleErrors(options.metrics, options.logger);
  const engine = new RuleEngine({ rules: options.rules, metrics: options.metrics, errors });
  const store = options.store ?? new MemoryDedupStore();
  const dedup = new Deduplicator({ store, metrics: options.metrics, errors });
  const pipeline = new LinePipeline({
    engine,
    dedup,
    emit: options.emit,
    metrics: options.metrics,
    onParseError: options.onParseError,
    onTooLong: options.onTooLong,
  });
  const totals = { inputs: 0, bytes: 0 };
  const snapshot = (): ScanCounts => ({ ...pipeline.counts, ...totals, ruleErrors: errors.count });
  try {
    for await (const input of listLocalInputs(options.paths)) {
      totals.inputs++;
      const file = input.name;
      const result = await forEachLine(
        input.open(),
        pipeline.sinkFor((line) => ({ file, line })),
        {
          afterChunk: async () => {
            await pipeline.flush();
            options.onProgress?.(snapshot());
          },
        },
      );
      totals.bytes += result.bytes;
      options.metrics?.lines.inc(result.lines);
      options.metrics?.bytes.inc(result.bytes);
    }
    await pipeline.flush();
  } finally {
    if (!options.store) await store.close();
  }
  return snapshot();
}
