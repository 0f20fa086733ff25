import PQueue from 'p-queue';
import type { Alert } from '../../alert/alert.js';
import { deliverWithRetry, type DeliverOptions, type DeliveryResult } from './attempt.js';
import { sleep } from './retry.js';

interface Pending {
  alert: Alert;
  resolve: (result: DeliveryResult) => void;
  /** Sent on its own: it was in a batch the destination refused (see #runBatch). */
  solo?: boolean;
}

/** Everything a delivery needs but the alerts, which the lane batches itself. */
export type LaneOptions = Omit<DeliverOptions, 'alerts'>;

/**
 * One sink's queue. Each sink has its own lane, so a slow or failing destination only ever holds
 * up its own alerts.
 *
 * Alerts wait in `pending`; queue tasks take them in batches of up to `maxBatchSize` when they
 * *start*, not when they are added. With pacing (Slack: one message per second) everything that
 * arrived during the wait leaves in one digest instead of falling minutes behind. A batch the
 * destination refuses for good is split: its alerts are sent again one by one.
 */
export class SinkLane {
  readonly #queue: PQueue;
  readonly #pending: Pending[] = [];
  readonly #maxBatch: number;
  /** How many of `pending` are solo: they lead the queue, each sent on its own. */
  #solos = 0;
  #inFlight = 0;
  /**
   * Set when a delivery ran out of retries (the destination is down, or refuses until fixed):
   * until one is accepted, each batch gets one attempt, one at a time, and the batches behind it
   * fail at once (retryable: their messages come back). Waiting out every alert's retries would
   * hold the objects they came from, and with them the reading of new objects and the delivery
   * of their alerts to every healthy sink.
   */
  #outage = false;
  /** The one attempt under way in outage mode; batches behind it wait for its result. */
  #probe: Promise<void> | undefined;
  /**
   * Pacing between requests, retries included (`intervalCap` requests per `intervalMs`, evenly
   * spaced): a retry after a 429 must keep its distance from the next batch too, or the destination
   * refuses that in turn.
   */
  readonly #gapMs: number;
  #nextRequestAt = 0;

  constructor(private readonly options: LaneOptions) {
    // On close, alerts still waiting for their turn give up at once: with pacing (Slack: one message
    // a second) waiting out the queue would hold shutdown for a second per batch.
    options.closeSignal.addEventListener('abort', () => this.#abandonWaiting(), { once: true });
    const delivery = options.sink.delivery ?? {};
    this.#maxBatch = Math.max(1, delivery.maxBatchSize ?? 1);
    this.#gapMs =
      delivery.intervalMs && delivery.intervalMs > 0
        ? delivery.intervalMs / Math.max(1, delivery.intervalCap ?? 1)
        : 0;
    // Pacing is the lane's own (#bookRequest), for batches and retries alike: the queue only bounds
    // how many deliveries run at once.
    this.#queue = new PQueue({ concurrency: Math.max(1, delivery.concurrency ?? 1) });
  }

  /**
   * Books this lane's next request slot and returns how long to wait for it (0: go now). Booked
   * before waiting, so concurrent attempts queue up behind each other.
   */
  #bookRequest(): number {
    if (this.#gapMs <= 0) return 0;
    const now = Date.now();
    const at = Math.max(now, this.#nextRequestAt);
    this.#nextRequestAt = at + this.#gapMs;
    return at - now;
  }

  /** Waits for a booked request slot (a retry's). */
  #pace = async (): Promise<void> => {
    const waitMs = this.#bookRequest();
    if (waitMs > 0) await sleep(waitMs, this.options.closeSignal);
  };

  /** Resolves with the delivery result of this alert; never rejects. */
  submit(alert: Alert): Promise<DeliveryResult> {
    if (this.options.closeSignal.aborted) return Promise.resolve('failed-retryable');
    return new Promise((resolve) => {
      this.#pending.push({ alert, resolve });
      this.#updateDepth();
      this.#schedule();
    });
  }

  /** Resolves when nothing is pending or in flight. */
  async onIdle(): Promise<void> {
    while (this.#pending.length > 0 || this.#queue.size > 0 || this.#queue.pending > 0) {
      await this.#queue.onIdle();
    }
  }

  /** Adds tasks until the waiting ones can carry every pending alert. */
  #schedule(): void {
    while (this.#queue.size < this.#batchesNeeded()) {
      void this.#queue.add(() => this.#runBatch());
    }
  }

  #batchesNeeded(): number {
    // Counted, not searched for: this runs on every submit, and thousands may be pending.
    return this.#solos + Math.ceil((this.#pending.length - this.#solos) / this.#maxBatch);
  }

  /** The next batch: a solo alert alone, else up to maxBatch alerts that are not solo. */
  #takeBatch(): Pending[] {
    if (this.#pending[0]?.solo) {
      this.#solos--;
      return this.#pending.splice(0, 1);
    }
    let size = 0;
    while (size < this.#maxBatch && size < this.#pending.length && !this.#pending[size]!.solo) size++;
    return this.#pending.splice(0, size);
  }

  async #runBatch(): Promise<void> {
    if (this.#pending.length === 0) return;
    // Paced before the batch is taken, so that it takes the alerts that arrive while it waits. No
    // await when there is nothing to wait for: the first alert of a quiet lane goes out alone, now.
    const waitMs = this.#bookRequest();
    if (waitMs > 0) await sleep(waitMs, this.options.closeSignal);
    const batch = this.#takeBatch();
    this.#schedule();
    if (batch.length === 0) return;
    this.#inFlight += batch.length;
    if (this.#outage && this.#probe) {
      await this.#probe;
      if (this.#outage) {
        this.#inFlight -= batch.length;
        this.#failFast(batch);
        return;
      }
    }
    const probing = this.#outage;
    let endProbe = () => {};
    if (probing) this.#probe = new Promise<void>((resolve) => (endProbe = resolve));
    let result: DeliveryResult = 'failed-retryable';
    try {
      const policy = probing ? { ...this.options.policy, maxAttempts: 1 } : this.options.policy;
      result = await deliverWithRetry({
        ...this.options,
        policy,
        alerts: batch.map((p) => p.alert),
        beforeRetry: this.#pace,
      });
      this.#noteOutcome(result);
    } catch (err) {
      // deliverWithRetry catches sink errors itself; this only guards against metric/logger bugs.
      this.options.logger.error({ sink: this.options.sink.name, err }, 'delivery crashed');
    } finally {
      if (probing) {
        this.#probe = undefined;
        endProbe();
        // Still down: everything that queued up meanwhile fails now, rather than each alert
        // getting an attempt of its own (a destination that hangs costs a timeout per attempt).
        if (this.#outage && !this.options.closeSignal.aborted) this.#failWaiting();
      }
      this.#inFlight -= batch.length;
      const open = !this.options.closeSignal.aborted;
      if (result === 'failed-permanent' && batch.length > 1 && this.options.sink.healthy() && open) {
        // A refused digest (Slack's 400 invalid_payload) says nothing about most of its alerts: each
        // goes again on its own, first in line, so that only the one at fault is refused. Not when
        // the sink itself is broken (a closed stdout): every alert would be refused again.
        this.#pending.unshift(...batch.map((item) => ({ ...item, solo: true })));
        this.#solos += batch.length;
        this.#schedule();
      } else if (result === 'failed-permanent' && batch.length > 1 && !open) {
        // Closed before the digest could be split: which alert was at fault is unknown, and an
        // abandoned alert ends retryable (close()'s contract), never refused for good.
        for (const item of batch) item.resolve('failed-retryable');
      } else {
        for (const item of batch) item.resolve(result);
      }
      this.#updateDepth();
    }
  }

  /** Enters or leaves the outage mode (see #outage) after a delivery. */
  #noteOutcome(result: DeliveryResult): void {
    if (this.options.closeSignal.aborted) return; // given up by close(), not by the destination
    const { name } = this.options.sink;
    if (result === 'failed-retryable' && !this.#outage) {
      this.#outage = true;
      this.options.logger.warn(
        { sink: name },
        'destination is failing: further alerts get one attempt, one at a time, until it accepts one (the others wait for their messages to come back)',
      );
    } else if (result !== 'failed-retryable' && this.#outage) {
      this.#outage = false;
      this.options.logger.info({ sink: name }, 'destination accepts alerts again');
    }
  }

  /** Outage mode: the alerts not yet in a request fail at once (their sources come back). */
  #failWaiting(): void {
    this.#queue.clear();
    this.#solos = 0;
    this.#failFast(this.#pending.splice(0));
  }

  #failFast(items: Pending[]): void {
    if (items.length === 0) return;
    for (const item of items) item.resolve('failed-retryable');
    this.options.metrics.deliveries.inc(
      { sink: this.options.sink.name, outcome: 'retryable_error', status_class: 'skipped' },
      items.length,
    );
    this.#updateDepth();
  }

  /** Settles every alert not yet in a request as `failed-retryable`: its source comes back. */
  #abandonWaiting(): void {
    this.#queue.clear();
    const waiting = this.#pending.splice(0);
    this.#solos = 0;
    for (const item of waiting) item.resolve('failed-retryable');
    this.#updateDepth();
  }

  #updateDepth(): void {
    this.options.metrics.sinkQueueDepth.set(
      { sink: this.options.sink.name },
      this.#pending.length + this.#inFlight,
    );
  }
}
