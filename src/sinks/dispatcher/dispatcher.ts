import type { Alert } from '../../alert/alert.js';
import type { ClaimResult, DeliveryLedger } from '../../alert/ledger.js';
import type { Logger } from '../../observe/logger.js';
import type { Metrics } from '../../observe/metrics.js';
import { REQUEST_TIMEOUT_MS } from '../common-config.js';
import type { Sink } from '../sink.js';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { LRUCache } from 'lru-cache';
import { SinkLane } from './lane.js';
import { DEFAULT_RETRY_POLICY, sleep, type RetryPolicy } from './retry.js';

/** Permanent refusals remembered per process (see #refused). */
const REFUSED_MEMORY = 10_000;
/** Requests and backoffs that may wait on the dispatcher's close signal at once. */
const DISPATCH_LISTENERS = 1_000;
/**
 * How long a claim on a shared ledger keeps other replicas from sending the same alert. The holder
 * renews it at half this while the delivery lasts (a backed-up lane, long retries), so a replica
 * that dies while holding one (or a `scan` cut short) only delays that alert by this much: short,
 * because a replica that finds the claim taken waits for it (see #claimOrWait).
 */
export const DELIVERY_CLAIM_LEASE_MS = 60_000;
/** How often a replica waiting on another's claim tries again (at most; a quarter lease if less). */
const CLAIM_POLL_MS = 5_000;

/**
 * What happened to an alert at one sink:
 * - `delivered`: sent now;
 * - `skipped-already-delivered`: the ledger says an earlier dispatch delivered it;
 * - `failed-permanent`: the destination refused it (e.g. 400) now or earlier; retrying cannot help;
 * - `failed-retryable`: retries ran out (or we are shutting down); dispatch it again later.
 */
export type SinkOutcome = 'delivered' | 'skipped-already-delivered' | 'failed-permanent' | 'failed-retryable';

export interface DispatchOutcome {
  alertId: string;
  /** Outcome per sink name, for every sink that accepted the alert. */
  sinks: Record<string, SinkOutcome>;
  /**
   * True when no sink is `failed-retryable`: the caller may forget the alert (an SQS consumer may
   * delete the message). False means: keep the source so the alert is dispatched again.
   */
  settled: boolean;
}

export interface DispatcherOptions {
  sinks: Sink[];
  ledger: DeliveryLedger;
  metrics: Metrics;
  logger: Logger;
  /** Applies to sinks that set no retry policy of their own (fields they set win). */
  retry?: Partial<RetryPolicy>;
  /** Per-request timeout for sinks that set none. */
  requestTimeoutMs?: number;
  /** Source of jitter; tests may fix it. */
  random?: () => number;
  /** Lease of delivery claims on a shared ledger; default DELIVERY_CLAIM_LEASE_MS (for tests). */
  claimLeaseMs?: number;
}

/**
 * Routes alerts to sinks through one lane per sink, and records each final result in the delivery
 * ledger so that a second dispatch of the same alert (retry, SQS redelivery, re-scan) reaches only
 * the sinks that do not have it yet.
 */
export class Dispatcher {
  readonly #sinks: Sink[];
  readonly #lanes = new Map<string, SinkLane>();
  readonly #ledger: DeliveryLedger;
  readonly #logger: Logger;
  /** Same alert dispatched again while the first dispatch is still running: join it. */
  readonly #inFlight = new Map<string, Promise<SinkOutcome>>();
  /**
   * Alerts a sink refused for good (e.g. 400), remembered in this process only so a redelivery
   * does not resend them. Not written to the ledger: that outlives the process, and an operator who
   * fixes the cause and re-scans must get those alerts delivered.
   */
  readonly #refused = new LRUCache<string, true>({ max: REFUSED_MEMORY });
  readonly #abort = new AbortController();
  /** This dispatcher's name in ledger claims. */
  readonly #holder = randomUUID();
  readonly #claimLeaseMs: number;
  #closed = false;

  constructor(options: DispatcherOptions) {
    // Every request and backoff in flight listens for close(); many at once is normal.
    setMaxListeners(DISPATCH_LISTENERS, this.#abort.signal);
    this.#sinks = options.sinks;
    this.#ledger = options.ledger;
    this.#logger = options.logger;
    this.#claimLeaseMs = options.claimLeaseMs ?? DELIVERY_CLAIM_LEASE_MS;
    const names = new Set<string>();
    for (const sink of options.sinks) {
      if (names.has(sink.name))
        throw new Error(`two sinks are named "${sink.name}"; names key the delivery ledger`);
      names.add(sink.name);
      const policy = { ...DEFAULT_RETRY_POLICY, ...options.retry, ...sink.delivery?.retry };
      this.#lanes.set(
        sink.name,
        new SinkLane({
          sink,
          policy,
          requestTimeoutMs:
            sink.delivery?.requestTimeoutMs ?? options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS.default,
          closeSignal: this.#abort.signal,
          metrics: options.metrics,
          logger: options.logger,
          random: options.random,
        }),
      );
    }
  }

  /** False while any sink reports itself unhealthy (Slack 403/404/410). */
  get healthy(): boolean {
    return this.#sinks.every((sink) => sink.healthy());
  }

  /** Names of the sinks that report themselves unhealthy (config names, not secrets). */
  get unhealthySinks(): string[] {
    return this.#sinks.filter((sink) => !sink.healthy()).map((sink) => sink.name);
  }

  /**
   * Sends one alert to every sink that accepts it and does not have it yet. Resolves when each of
   * them has delivered, failed permanently or run out of retries; never rejects.
   */
  async dispatch(alert: Alert): Promise<DispatchOutcome> {
    const targets = this.#sinks.filter((sink) => this.#accepts(sink, alert));
    const outcomes = await Promise.all(targets.map((sink) => this.#deliverTo(sink, alert)));
    const sinks: Record<string, SinkOutcome> = {};
    targets.forEach((sink, index) => (sinks[sink.name] = outcomes[index] as SinkOutcome));
    return { alertId: alert.alertId, sinks, settled: !outcomes.includes('failed-retryable') };
  }

  /** Resolves when every dispatch so far has finished. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) {
      await Promise.all([...this.#inFlight.values()]);
    }
    await Promise.all([...this.#lanes.values()].map((lane) => lane.onIdle()));
  }

  /**
   * Stops: alerts waiting in a lane or for a retry are abandoned (they end `failed-retryable`),
   * requests already sent finish (each within its `requestTimeoutMs`), then sinks are closed (the
   * file sink fsyncs). Call `drain()` first, with a deadline, for a graceful stop. The ledger
   * belongs to the caller and stays open.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    await this.drain();
    await Promise.all(
      this.#sinks.map((sink) =>
        sink
          .close()
          .catch((err: unknown) => this.#logger.error({ sink: sink.name, err }, 'closing sink failed')),
      ),
    );
  }

  #accepts(sink: Sink, alert: Alert): boolean {
    try {
      return sink.accepts(alert);
    } catch (err) {
      // A broken filter must not lose the alert: send it rather than drop it.
      this.#logger.error(
        { sink: sink.name, alertId: alert.alertId, err },
        'sink filter threw; sending anyway',
      );
      return true;
    }
  }

  #deliverTo(sink: Sink, alert: Alert): Promise<SinkOutcome> {
    const key = `${sink.name}\u0000${alert.alertId}`;
    const running = this.#inFlight.get(key);
    if (running) return running;
    const delivery = this.#deliverOnce(sink, alert).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, delivery);
    return delivery;
  }

  async #deliverOnce(sink: Sink, alert: Alert): Promise<SinkOutcome> {
    const recorded = await this.#ledger.get(alert.alertId, sink.name).catch((err: unknown) => {
      // Prefer a duplicate over a loss: without the ledger, send.
      this.#logger.warn({ sink: sink.name, alertId: alert.alertId, err }, 'delivery ledger read failed');
      return undefined;
    });
    if (recorded === 'delivered') return 'skipped-already-delivered';
    const key = `${sink.name}\u0000${alert.alertId}`;
    if (recorded === 'failed-permanent' || this.#refused.has(key)) return 'failed-permanent';
    if (this.#closed) return 'failed-retryable';

    const claim = await this.#claimOrWait(sink, alert);
    if (claim === 'delivered') return 'skipped-already-delivered';
    // Another replica is still sending it (renewing its claim), or we are closing: this source
    // comes back later and finds it delivered.
    if (claim === 'busy') return 'failed-retryable';

    const lane = this.#lanes.get(sink.name) as SinkLane;
    const claimed = claim === 'claimed' || claim === 'taken-over';
    if (claim === 'taken-over') {
      // The one case a shared ledger cannot cover: a sender killed between the destination's 2xx
      // and its ledger write. Said, so that a repeat at the destination can be explained.
      this.#logger.warn(
        { sink: sink.name, alertId: alert.alertId },
        'taking over an alert whose previous sender stopped mid-delivery; if it stopped after the destination took it, this is a repeat',
      );
    }
    const stopRenewing = claimed ? this.#renewClaim(sink, alert) : undefined;
    const result = await lane.submit(alert);
    // A renewal still on its way must land before the record or release below, not after it.
    await stopRenewing?.();
    if (result === 'failed-permanent') this.#refused.set(key, true);
    if (result === 'delivered') {
      await this.#ledger.record(alert.alertId, sink.name, result).catch((err: unknown) => {
        this.#logger.warn({ sink: sink.name, alertId: alert.alertId, err }, 'delivery ledger write failed');
      });
    } else if (claimed) {
      await this.#ledger.release?.(alert.alertId, sink.name, this.#holder).catch((err: unknown) => {
        // The claim then lapses with its lease.
        this.#logger.warn({ sink: sink.name, alertId: alert.alertId, err }, 'delivery claim release failed');
      });
    }
    return result;
  }

  /**
   * Renews a claim at half its lease until the returned function is called: a delivery may wait in
   * a backed-up lane and retry for longer than one lease, and another replica must not take the
   * alert over meanwhile. The returned function stops the renewals and resolves once the last one
   * sent has landed. A renewal that fails is logged; the delivery goes on either way.
   */
  #renewClaim(sink: Sink, alert: Alert): () => Promise<void> {
    let last: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      last = this.#claim(sink, alert).then((claim) => {
        if (claim !== 'busy') return;
        this.#logger.warn(
          { sink: sink.name, alertId: alert.alertId },
          'delivery claim lapsed while delivering; another replica may send this alert too',
        );
      });
    }, this.#claimLeaseMs / 2);
    timer.unref();
    return () => {
      clearInterval(timer);
      return last;
    };
  }

  /**
   * A claim, waiting while another replica holds it: its holder either delivers (→ `delivered`) or
   * dies, and then its lease runs out and the claim is ours. Waiting keeps this alert's message in
   * flight rather than handing it back, which would spend one of its receives on nothing per
   * visibility timeout and could send it to the dead-letter queue with every sink healthy. Gives up
   * (`busy`) after one lease and a poll — the holder is alive and renewing — or on close().
   */
  async #claimOrWait(sink: Sink, alert: Alert): Promise<ClaimResult | 'unclaimed'> {
    const pollMs = Math.min(CLAIM_POLL_MS, this.#claimLeaseMs / 4);
    const giveUpAt = Date.now() + this.#claimLeaseMs + pollMs;
    let claim = await this.#claim(sink, alert);
    if (claim === 'busy') {
      this.#logger.info(
        { sink: sink.name, alertId: alert.alertId, waitMs: giveUpAt - Date.now() },
        'alert is being delivered by another replica; waiting for it',
      );
    }
    while (claim === 'busy' && Date.now() < giveUpAt && !this.#closed) {
      await sleep(pollMs, this.#abort.signal);
      if (this.#closed) break;
      claim = await this.#claim(sink, alert);
    }
    return claim;
  }

  /** A claim on a shared ledger; `unclaimed` when the ledger takes none or cannot be reached. */
  async #claim(sink: Sink, alert: Alert): Promise<ClaimResult | 'unclaimed'> {
    if (!this.#ledger.claim) return 'unclaimed';
    return this.#ledger
      .claim(alert.alertId, sink.name, this.#holder, this.#claimLeaseMs)
      .catch((err: unknown) => {
        // Prefer a duplicate over a loss: without a claim, send.
        this.#logger.warn({ sink: sink.name, alertId: alert.alertId, err }, 'delivery claim failed');
        return 'unclaimed' as const;
      });
  }
}
