/**
 * `s3-sentinel run`: wires the stages into the daemon and owns its lifecycle.
 *
 * Start-up checks everything it can before taking a message — config, rules, who we are (STS),
 * the queue (GetQueueAttributes), the DynamoDB table — and fails with a DaemonStartError naming
 * what is wrong. `stop()` stops polling at once, lets in-flight objects finish (or hands their
 * messages back) within `shutdown.graceSeconds`, then drains the sinks, closes the ledger and
 * the health server.
 */
import type { Writable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { LRUCache } from 'lru-cache';
import { Deduplicator } from './alert/dedup.js';
import type { DedupStore } from './alert/dedup-store.js';
import { DynamoDbDedupStore } from './alert/dynamodb-dedup-store.js';
import { DynamoDbLedger } from './alert/dynamodb-ledger.js';
import type { DeliveryLedger } from './alert/ledger.js';
import { MemoryDeliveryLedger } from './alert/ledger-memory.js';
import { MemoryDedupStore } from './alert/memory-dedup-store.js';
import type { Config, SqsConfig } from './config/index.js';
import { RuleEngine } from './detect/engine.js';
import { formatConfigProblems, loadConfiguredRules } from './detect/configured-rules.js';
import { noticesByKind } from './detect/loader.js';
import { isRunnable, NO_RUNNABLE_RULES, type CompiledRule } from './detect/rule.js';
import { RuleErrorLog } from './detect/rule-errors.js';
import { AWS_API_TIMEOUTS } from './ingest/aws-timeouts.js';
import { S3ObjectReader } from './ingest/s3-object-reader.js';
import {
  createOwnReadPredicate,
  ownUserAgent,
  resolveSelfIdentity,
  type SelfIdentity,
} from './ingest/self-identity.js';
import { SqsConsumer, type MessageHandler } from './ingest/sqs/index.js';
import { createLogger, type Logger } from './observe/logger.js';
import { createMetrics, type Metrics } from './observe/metrics.js';
import { ObserveServer } from './observe/server.js';
import { createMessageHandler, ObjectProcessor, UndeliveredAlerts } from './pipeline/index.js';
import { createSinks, Dispatcher, type SinkDeps } from './sinks/index.js';
import { packageVersion } from './package-root.js';
import { startErrorText } from './observe/error-text.js';

/** Alerts one reread object may open before its deduplicator forgets the oldest (see replayDedup). */
const REPLAY_EMITTED_IDS = 1_000;
/** Log buckets remembered as ours to read; far more than any deployment reads from. */
const READ_BUCKETS_REMEMBERED = 10_000;

export interface DaemonOptions {
  /** Default: JSON on stderr at `log.level`. */
  logger?: Logger;
  /** Default: a fresh catalogue with the process metrics. */
  metrics?: Metrics;
  /** Where the stdout sink writes; process.stdout by default. */
  stdout?: Writable;
  /** HTTP client of the webhook/Slack/PagerDuty sinks; global fetch by default. */
  fetch?: SinkDeps['fetch'];
}

export interface DaemonHandle {
  /** Graceful stop (idempotent): resolves once everything is drained and closed. */
  stop(reason?: string): Promise<void>;
  /** Resolves when the daemon has stopped. */
  done: Promise<void>;
  /** What /readyz answers: polling and every sink healthy. */
  ready(): boolean;
  /** Port of the health and metrics server. */
  port: number;
}

/**
 * - `config`: the configuration or the rules cannot work (exit code 2);
 * - `unreachable`: AWS (STS, SQS, DynamoDB) could not be reached or refused us (exit code 1).
 */
export class DaemonStartError extends Error {
  readonly code = 'ERR_DAEMON_START';
  constructor(
    readonly kind: 'config' | 'unreachable',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DaemonStartError';
  }
}

/** Things to close on stop, or when start-up fails half way; closed in reverse order. */
type Closer = () => Promise<void> | void;

export async function startDaemon(config: Config, options: DaemonOptions = {}): Promise<DaemonHandle> {
  const sqsConfig = config.sqs;
  if (!sqsConfig)
    throw new DaemonStartError('config', 'the config has no sqs section: run needs sqs.queueUrl');
  const logger = options.logger ?? createLogger({ level: config.log.level });
  const metrics = options.metrics ?? createMetrics({ defaultMetrics: true });
  const closers: Closer[] = [];
  try {
    return await start(config, sqsConfig, { ...options, logger, metrics }, closers);
  } catch (err) {
    await closeAll(closers, logger);
    if (err instanceof DaemonStartError) throw err;
    throw new DaemonStartError('unreachable', `start-up failed: ${startErrorText(err)}`, { cause: err });
  }
}

async function start(
  config: Config,
  sqsConfig: SqsConfig,
  options: DaemonOptions & { logger: Logger; metrics: Metrics },
  closers: Closer[],
): Promise<DaemonHandle> {
  const { logger, metrics } = options;
  const rules = await loadDaemonRules(config, logger);
  const region = resolveRegion(sqsConfig);
  const version = packageVersion();

  // Who we are, so that our own GetObject calls in the logs never raise alerts (a feedback loop).
  const sts = new STSClient({ region, requestHandler: AWS_API_TIMEOUTS });
  closers.push(() => sts.destroy());
  const identity = await resolveSelfIdentity(sts).catch((err: unknown) => {
    throw new DaemonStartError('unreachable', `sts:GetCallerIdentity failed: ${startErrorText(err)}`, {
      cause: err,
    });
  });
  logger.info({ identity: identity.arn, version }, 'resolved own identity');

  const { store, ledger } = await createStores(config, region, closers);
  const sinks = createSinks(config.sinks, { stdout: options.stdout, fetch: options.fetch });
  const dispatcher = new Dispatcher({ sinks, ledger, metrics, logger });
  closers.push(() => dispatcher.close());

  // Alerts an earlier read of an object could not deliver, dispatched again when it comes back.
  const undelivered = new UndeliveredAlerts();
  const processor = createProcessor(
    { config, region, rules, identity, store, dispatcher, undelivered, version, logger, metrics },
    closers,
  );
  const handler = createMessageHandler(processor, undelivered);
  const consumer = createConsumer(config, sqsConfig, region, handler, { logger, metrics }, closers);
  const ready = () => consumer.isHealthy() && dispatcher.healthy;
  const port = await startObserveServer(config, consumer, dispatcher, ready, { logger, metrics }, closers);

  await consumer.start().catch((err: unknown) => {
    throw new DaemonStartError('unreachable', startErrorText(err), { cause: err });
  });
  const { stop, done } = stopper(config, consumer, dispatcher, logger, closers);
  logger.info(
    { queueUrl: sqsConfig.queueUrl, port, rules: rules.filter(isRunnable).length, sinks: sinks.length },
    's3-sentinel daemon started',
  );
  return { stop, done, ready, port };
}

interface ProcessorParts {
  config: Config;
  /** The daemon's region: S3 objects whose notification names none are read there. */
  region: string;
  rules: CompiledRule[];
  identity: SelfIdentity;
  store: DedupStore;
  dispatcher: Dispatcher;
  undelivered: UndeliveredAlerts;
  version: string;
  logger: Logger;
  metrics: Metrics;
}

/** Reading, rules, dedup and dispatch for one object at a time: what each SQS message runs. */
function createProcessor(parts: ProcessorParts, closers: Closer[]): ObjectProcessor {
  const { config, region, rules, identity, store, dispatcher, undelivered, version, logger, metrics } = parts;
  const errors = new RuleErrorLog(metrics, logger);
  const reader = new S3ObjectReader({
    metrics,
    logger,
    defaultRegion: config.s3.region ?? region,
    endpoint: config.s3.endpoint,
    forcePathStyle: config.s3.forcePathStyle,
    userAgent: ownUserAgent(version),
  });
  closers.push(() => reader.close());
  // The buckets we read log objects from: only reads of these can be our own (self-identity.ts).
  const readBuckets = new LRUCache<string, true>({ max: READ_BUCKETS_REMEMBERED });
  return new ObjectProcessor({
    reader: {
      open: (ref, signal) => {
        readBuckets.set(ref.bucket, true);
        return reader.open(ref, signal);
      },
    },
    engine: new RuleEngine({ rules, metrics, logger, errors }),
    dedup: new Deduplicator({ store, metrics, errors }),
    dispatcher,
    metrics,
    logger,
    isOwnRead: createOwnReadPredicate(identity, readBuckets),
    undelivered,
    // A reread object gets a fresh deduplicator: it reopens every alert whose window already
    // reached its threshold (same alert ids), and the ledger sends each only where it is missing.
    // It lives for one object, so its memory of opened alerts is small: lru-cache allocates its
    // whole capacity up front (12 ms and 2.7 MB at the default 100,000, per redelivered object).
    replayDedup: () => new Deduplicator({ store, metrics, errors, emittedIds: REPLAY_EMITTED_IDS }),
  });
}

function createConsumer(
  config: Config,
  sqsConfig: SqsConfig,
  region: string,
  handler: MessageHandler,
  { logger, metrics }: { logger: Logger; metrics: Metrics },
  closers: Closer[],
): SqsConsumer {
  const sqs = new SQSClient({ region, endpoint: sqsConfig.endpoint, requestHandler: AWS_API_TIMEOUTS });
  closers.push(() => sqs.destroy());
  return new SqsConsumer({
    client: sqs,
    queueUrl: sqsConfig.queueUrl,
    handler,
    metrics,
    logger,
    waitTimeSeconds: sqsConfig.waitTimeSeconds,
    maxMessages: sqsConfig.maxMessages,
    visibilityTimeoutSeconds: sqsConfig.visibilityTimeoutSeconds,
    visibilityHeartbeatSeconds: sqsConfig.visibilityHeartbeatSeconds,
    concurrency: sqsConfig.concurrency,
    maxInFlightSeconds: sqsConfig.maxInFlightSeconds,
    maxReceiveCount: sqsConfig.maxReceiveCount,
    poisonMessages: sqsConfig.poisonMessages,
    retryVisibilitySeconds: sqsConfig.retryVisibilitySeconds,
    filter: { keyPrefixes: config.s3.keyPrefixes, ignoreBuckets: config.s3.ignoreBuckets },
  });
}

/** Health, readiness and metrics; resolves with the port it listens on. */
async function startObserveServer(
  config: Config,
  consumer: SqsConsumer,
  dispatcher: Dispatcher,
  ready: () => boolean,
  { logger, metrics }: { logger: Logger; metrics: Metrics },
  closers: Closer[],
): Promise<number> {
  const server = new ObserveServer({
    port: config.server.port,
    host: config.server.host,
    metrics,
    logger,
    readiness: () => ({
      ready: ready(),
      checks: {
        sqs: sqsReadiness(consumer),
        sinks: dispatcher.healthy
          ? 'healthy'
          : `unhealthy: ${dispatcher.unhealthySinks.join(', ')} (the destination refuses alerts; see the logs)`,
      },
    }),
  });
  const { port } = await server.start().catch((err: unknown) => {
    throw new DaemonStartError(
      'config',
      `cannot serve on port ${config.server.port}: ${startErrorText(err)}`,
      {
        cause: err,
      },
    );
  });
  // Closed last (closers run in reverse): probes and scrapes are answered until the very end.
  closers.unshift(() => server.stop());
  return port;
}

/**
 * The daemon's stop: polling stops first of all, then deliveries of finished objects get what is
 * left of the grace period, then the closers run, in reverse order. `done` resolves once stopped.
 */
function stopper(
  config: Config,
  consumer: SqsConsumer,
  dispatcher: Dispatcher,
  logger: Logger,
  closers: Closer[],
): Pick<DaemonHandle, 'stop' | 'done'> {
  const graceMs = config.shutdown.graceSeconds * 1000;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop requested'): Promise<void> => {
    stopping ??= (async () => {
      const deadline = Date.now() + graceMs;
      logger.info({ reason, graceSeconds: config.shutdown.graceSeconds }, 'stopping');
      await consumer.stop({ deadline });
      // close() then abandons the deliveries still going (they stay in no ledger, so their
      // messages bring them back).
      await raceDeadline(dispatcher.drain(), deadline);
      await closeAll(closers, logger);
      logger.info('stopped');
      resolveDone();
    })();
    return stopping;
  };
  return { stop, done };
}

/** The rules of the config; invalid ones are logged and skipped; none enabled is an error. */
async function loadDaemonRules(config: Config, logger: Logger): Promise<CompiledRule[]> {
  const { rules, problems, notices, configProblems } = await loadConfiguredRules(config.rules);
  // Logged first: a rule named in rules.enabled that failed to load says why only here.
  for (const problem of problems) {
    if (configProblems.includes(problem)) continue; // in the start-up error below
    logger.error({ file: problem.file, problem: problem.message }, 'invalid rule skipped');
  }
  if (configProblems.length > 0) {
    // A rules directory that is not there (a volume not mounted) or a misspelt rule id: running on
    // would leave detections silently missing.
    const list = formatConfigProblems(configProblems);
    throw new DaemonStartError('config', `rules: ${list}`);
  }
  // One line per kind: a checkout of panther-analysis would otherwise log hundreds.
  for (const [kind, group] of noticesByKind(notices)) {
    logger.warn(
      { kind, count: group.length, example: group[0]!.message, files: group.slice(0, 10).map((n) => n.file) },
      group[0]!.skipped ? 'rules skipped' : 'rule notes',
    );
  }
  // Signals (CreateAlert: false) never run: a config of only those would detect nothing.
  if (!rules.some(isRunnable)) {
    const why = problems.length > 0 ? ` (${problems.length} rule problems)` : '';
    throw new DaemonStartError('config', `${NO_RUNNABLE_RULES}${why}`);
  }
  return rules;
}

/** One table for both: dedup counters under `dedup#…`, ledger records under `ledger#…`. */
async function createStores(
  config: Config,
  region: string,
  closers: Closer[],
): Promise<{ store: DedupStore; ledger: DeliveryLedger }> {
  const { dedup } = config;
  if (dedup.store === 'memory' || !dedup.dynamodb) {
    const store = new MemoryDedupStore({ maxEntries: dedup.maxEntries });
    const ledger = new MemoryDeliveryLedger();
    closers.push(
      () => store.close(),
      () => ledger.close(),
    );
    return { store, ledger };
  }
  const { tableName, endpoint } = dedup.dynamodb;
  const client = new DynamoDBClient({
    region: dedup.dynamodb.region ?? region,
    endpoint,
    requestHandler: AWS_API_TIMEOUTS,
  });
  closers.push(() => client.destroy());
  const store = new DynamoDbDedupStore({ client, tableName });
  const ledger = new DynamoDbLedger({ client, tableName });
  closers.push(
    () => store.close(),
    () => ledger.close(),
  );
  // A read the ledger makes anyway: proves the table exists and we may use it.
  await ledger.get('start-up-check', 'start-up-check').catch((err: unknown) => {
    throw new DaemonStartError('unreachable', `DynamoDB table ${tableName}: ${startErrorText(err)}`, {
      cause: err,
    });
  });
  return { store, ledger };
}

const QUEUE_URL_REGION = /^https:\/\/sqs[.-]([a-z0-9-]+)\.amazonaws\.com(\.cn)?\//;

/** sqs.region, else the region in an AWS queue URL, else the environment's. */
export function resolveRegion(sqs: Pick<SqsConfig, 'region' | 'queueUrl'>, env = process.env): string {
  const region =
    sqs.region ?? QUEUE_URL_REGION.exec(sqs.queueUrl)?.[1] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region)
    throw new DaemonStartError('config', 'cannot tell the AWS region: set sqs.region or AWS_REGION');
  return region;
}

async function closeAll(closers: Closer[], logger: Logger): Promise<void> {
  for (const close of closers.splice(0).reverse()) {
    try {
      await close();
    } catch (err) {
      logger.error({ err }, 'error while shutting down');
    }
  }
}

async function raceDeadline(work: Promise<unknown>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>(
    (resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))),
  );
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What `/readyz` says of the queue: why it is not ready, where it can tell. */
function sqsReadiness(consumer: SqsConsumer): string {
  if (consumer.isHealthy()) return 'polling';
  const { state, consecutiveReceiveErrors } = consumer.status();
  if (state === 'running' && consecutiveReceiveErrors > 0)
    return `not polling: ${consecutiveReceiveErrors} receives failed in a row (see the ReceiveMessage errors in the logs)`;
  return `not polling (${state})`;
}
