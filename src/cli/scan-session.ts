/**
 * `scan` with delivery: a config's rules, sinks and delivery ledger around the detect core
 * (src/pipeline/scan.ts). Every alert is dispatched as dedup opens it; the scan ends when every
 * dispatch has settled, and reports per sink what was delivered, already delivered, or failed.
 *
 * Dedup counting is always in memory, for this scan's lines only, whatever `dedup.store` says. The
 * alert id depends only on rule, dedup string and window, so a re-scan opens the same alerts again
 * and the delivery ledger (DynamoDB when `dedup.store` is `dynamodb`) sends each only to sinks that
 * lack it: a re-scan after a failed delivery retries just that delivery. Counting in the shared
 * table instead would make a re-scan open nothing — losing what failed — and would add a
 * backfill's matches to the daemon's counts of the same lines.
 */
import type { Writable } from 'node:stream';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { DeliveryLedger } from '../alert/ledger.js';
import { MemoryDeliveryLedger } from '../alert/ledger-memory.js';
import { MemoryDedupStore } from '../alert/memory-dedup-store.js';
import { validateConfig, type Config } from '../config/index.js';
import { formatConfigProblems, loadConfiguredRules } from '../detect/configured-rules.js';
import type { RuleNotice, RuleProblem } from '../detect/loader.js';
import { scan, type ScanCounts, type ScanOptions } from '../pipeline/scan.js';
import { isS3Path, S3_READ_AHEAD } from '../ingest/scan-inputs.js';
import { PendingDeliveries } from '../pipeline/pending-deliveries.js';
import { AWS_API_TIMEOUTS } from '../ingest/aws-timeouts.js';
import type { S3ObjectReader } from '../ingest/s3-object-reader.js';
import type { Logger } from '../observe/logger.js';
import { createMetrics, type Metrics } from '../observe/metrics.js';
import { createSinks, Dispatcher, type DispatchOutcome, type SinkDeps } from '../sinks/index.js';
import { packageVersion } from '../package-root.js';
import { startErrorText } from '../observe/error-text.js';

/** Region for S3 when neither `s3.region` nor the environment names one. */
const FALLBACK_REGION = 'us-east-1';

export interface ScanSessionOptions {
  paths: string[];
  /** The `--config` file's contents; without one: built-in rules, alerts as JSON lines on stdout. */
  config?: Config;
  /** `--rules DIR`…, added to the config's `rules.paths`. */
  rulePaths?: string[];
  /** Kept across scans so that a re-scan delivers nothing new; default: per `dedup.store`. */
  ledger?: DeliveryLedger;
  logger: Logger;
  metrics?: Metrics;
  /** Where the stdout sink writes; process.stdout by default. */
  stdout?: Writable;
  fetch?: SinkDeps['fetch'];
  /** Reading `s3://` paths: credentials (default chain otherwise), read-ahead, page size. */
  s3?: { credentials?: S3ClientConfig['credentials']; readAhead?: number; pageSize?: number };
  /** Environment for the S3 region fallback (AWS_REGION, AWS_DEFAULT_REGION). */
  env?: NodeJS.ProcessEnv;
  onRuleProblem?: (problem: RuleProblem) => void;
  /** Rules skipped by design (Python), built-in rules replaced by `--rules` ones, and the like. */
  onRuleNotices?: (notices: RuleNotice[]) => void;
  onParseError?: ScanOptions['onParseError'];
  onTooLong?: ScanOptions['onTooLong'];
  onInputError?: ScanOptions['onInputError'];
  onProgress?: ScanOptions['onProgress'];
  /** Interrupts the scan (Ctrl-C): reading stops, deliveries not yet sent are given up. */
  signal?: AbortSignal;
}

/** What one sink got from this scan. */
export interface SinkTally {
  sink: string;
  delivered: number;
  /** Skipped: the ledger says an earlier dispatch delivered it. */
  alreadyDelivered: number;
  /** Refused by the destination, or retries ran out. */
  failed: number;
}

export interface ScanResult {
  counts: ScanCounts;
  /** One entry per configured sink, in config order. */
  deliveries: SinkTally[];
  /** Rule files that did not load (each also passed to `onRuleProblem`). */
  ruleProblems: number;
}

/** Scans `paths` and delivers every alert to the config's sinks; resolves once all are settled. */
export async function runScan(options: ScanSessionOptions): Promise<ScanResult> {
  const config = options.config ?? validateConfig({});
  const metrics = options.metrics ?? createMetrics();
  const { logger } = options;
  const { rules, problems, notices, configProblems } = await loadConfiguredRules(
    config.rules,
    options.rulePaths ?? [],
  );
  for (const problem of problems) options.onRuleProblem?.(problem);
  if (notices.length > 0) options.onRuleNotices?.(notices);
  // A rules directory that is not there (a volume not mounted, a typo) would let a backfill run
  // without the site's own rules, its summary the only hint: refuse, as `run` does.
  if (configProblems.length > 0) {
    const list = formatConfigProblems(configProblems);
    throw new ScanSetupError('config', `rules: ${list}; nothing was read`);
  }

  const closers: Array<() => unknown> = [];
  try {
    const ledger = options.ledger ?? (await createLedger(config, options.env ?? process.env, closers));
    const sinks = createSinks(config.sinks, { stdout: options.stdout, fetch: options.fetch });
    const dispatcher = new Dispatcher({ sinks, ledger, metrics, logger });
    closers.push(() => dispatcher.close());
    // Interrupted (Ctrl-C), while reading or while waiting for deliveries: requests already sent
    // finish, the rest is given up (failed, its ledger claims released, so a re-scan sends it).
    options.signal?.addEventListener('abort', () => void dispatcher.close(), { once: true });
    const tally = new DeliveryTally(sinks.map((sink) => sink.name));
    const pending = new PendingDeliveries();
    const dispatch = (alert: Parameters<Dispatcher['dispatch']>[0]) => {
      const delivery = dispatcher.dispatch(alert).then((outcome) => tally.add(outcome));
      pending.add(delivery);
    };
    const backpressure = async () => {
      await pending.waitBelowMax();
    };

    let reader: S3ObjectReader | undefined;
    if (options.paths.some(isS3Path)) {
      reader = await createReader(config, metrics, logger, options);
      closers.push(() => reader?.close());
    }
    let counts: ScanCounts;
    try {
      counts = await scan({
        paths: options.paths,
        rules,
        emit: dispatch,
        backpressure,
        store: new MemoryDedupStore({ maxEntries: config.dedup.maxEntries }),
        s3: reader && {
          reader,
          readAhead: options.s3?.readAhead ?? S3_READ_AHEAD,
          pageSize: options.s3?.pageSize,
          signal: options.signal,
        },
        metrics,
        logger,
        onParseError: options.onParseError,
        onTooLong: options.onTooLong,
        onInputError: options.onInputError,
        onProgress: options.onProgress,
        signal: options.signal,
      });
    } finally {
      // Also when the scan stopped half way: what was opened is delivered before we return.
      await dispatcher.drain();
      await pending.all();
    }
    if (options.signal?.aborted) counts.interrupted = true;
    return { counts, deliveries: tally.bySink(), ruleProblems: problems.length };
  } finally {
    for (const close of closers.reverse()) await close();
  }
}

/**
 * The scan cannot start, as DaemonStartError for `run`:
 * - `config`: the config or options are wrong (a rules path that cannot be read), which `run` and
 *   `check-config` also refuse (exit code 2);
 * - `unreachable`: a resource the config names cannot be used (the DynamoDB table of the delivery
 *   ledger) (exit code 1).
 */
export class ScanSetupError extends Error {
  readonly code = 'ERR_SCAN_SETUP';
  constructor(
    readonly kind: 'config' | 'unreachable',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ScanSetupError';
  }
}

/** Counts dispatch outcomes per sink. */
export class DeliveryTally {
  readonly #bySink = new Map<string, SinkTally>();

  constructor(sinkNames: readonly string[]) {
    for (const sink of sinkNames)
      this.#bySink.set(sink, { sink, delivered: 0, alreadyDelivered: 0, failed: 0 });
  }

  add(outcome: DispatchOutcome): void {
    for (const [sink, result] of Object.entries(outcome.sinks)) {
      const tally = this.#bySink.get(sink);
      if (!tally) continue;
      if (result === 'delivered') tally.delivered++;
      else if (result === 'skipped-already-delivered') tally.alreadyDelivered++;
      else tally.failed++;
    }
  }

  bySink(): SinkTally[] {
    return [...this.#bySink.values()].map((tally) => ({ ...tally }));
  }
}

// The AWS SDK takes most of a second to load: a scan of local files with a memory ledger, the
// common case, never loads it (see `npm run bench -- --scan`, timed as a whole process).

/** Memory, or the DynamoDB table of `dedup.dynamodb` (the daemon's ledger: shared with it). */
async function createLedger(
  config: Config,
  env: NodeJS.ProcessEnv,
  closers: Array<() => unknown>,
): Promise<DeliveryLedger> {
  const { dedup } = config;
  if (dedup.store === 'memory' || !dedup.dynamodb) return new MemoryDeliveryLedger();
  const [{ DynamoDBClient }, { DynamoDbLedger }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('../alert/dynamodb-ledger.js'),
  ]);
  const { tableName, endpoint } = dedup.dynamodb;
  const client = new DynamoDBClient({
    region: dedup.dynamodb.region ?? regionOf(config, env),
    endpoint,
    requestHandler: AWS_API_TIMEOUTS,
  });
  closers.push(() => client.destroy());
  const ledger = new DynamoDbLedger({ client, tableName });
  // As `run` does: without its table the ledger would fail every read, and a re-scan would send
  // every alert again while the summary counted them as delivered.
  await ledger.get('start-up-check', 'start-up-check').catch((err: unknown) => {
    throw new ScanSetupError(
      'unreachable',
      `DynamoDB table ${tableName} (dedup.dynamodb, the delivery ledger): ${startErrorText(err)}`,
      { cause: err },
    );
  });
  return ledger;
}

async function createReader(
  config: Config,
  metrics: Metrics,
  logger: Logger,
  options: ScanSessionOptions,
): Promise<S3ObjectReader> {
  const [{ S3ObjectReader }, { ownUserAgent }] = await Promise.all([
    import('../ingest/s3-object-reader.js'),
    import('../ingest/self-identity.js'),
  ]);
  return new S3ObjectReader({
    metrics,
    logger,
    defaultRegion: regionOf(config, options.env ?? process.env),
    endpoint: config.s3.endpoint,
    forcePathStyle: config.s3.forcePathStyle,
    credentials: options.s3?.credentials,
    userAgent: ownUserAgent(packageVersion()),
  });
}

/** `s3.region`, else the environment's, else us-east-1 (ListObjectsV2 then needs the bucket there). */
function regionOf(config: Config, env: NodeJS.ProcessEnv): string {
  return config.s3.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? FALLBACK_REGION;
}
