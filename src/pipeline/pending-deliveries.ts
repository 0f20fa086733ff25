/** Alerts in delivery at once for one object (daemon) or one scan; reading waits when there are more. */
export const MAX_PENDING_DISPATCHES = 256;

/**
 * The deliveries a reader has started and not yet seen settle. Reading waits while there are
 * `max` of them, so a slow sink bounds memory instead of letting alerts pile up.
 */
export class PendingDeliveries {
  readonly #pending = new Set<Promise<void>>();

  constructor(private readonly max: number = MAX_PENDING_DISPATCHES) {}

  /** Deliveries started and not yet settled. */
  get size(): number {
    return this.#pending.size;
  }

  add(delivery: Promise<void>): void {
    this.#pending.add(delivery);
    void delivery.finally(() => this.#pending.delete(delivery));
  }

  /**
   * Resolves once fewer than `max` are pending. `afterEach` runs each time one settles, so a
   * caller can stop waiting by throwing (an abort check).
   */
  async waitBelowMax(afterEach?: () => void): Promise<void> {
    while (this.#pending.size >= this.max) {
      await Promise.race(this.#pending);
      afterEach?.();
    }
  }

  /** Settles when every delivery started so far has. */
  all(): Promise<void> {
    return Promise.all(this.#pending).then(() => undefined);
  }
}
