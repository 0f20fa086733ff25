import { LRUCache } from 'lru-cache';
import type { DeliveryLedger, DeliveryState } from './ledger.js';

export const MEMORY_LEDGER_MAX_ENTRIES = 100_000;

/**
 * The delivery ledger of one process. Bounded: past `maxEntries` the least recently used records
 * are forgotten, which can at worst resend a very old alert if its source is replayed.
 */
export class MemoryDeliveryLedger implements DeliveryLedger {
  readonly #states: LRUCache<string, DeliveryState>;

  constructor(options: { maxEntries?: number } = {}) {
    this.#states = new LRUCache({ max: options.maxEntries ?? MEMORY_LEDGER_MAX_ENTRIES });
  }

  async get(alertId: string, sink: string): Promise<DeliveryState | undefined> {
    return this.#states.get(keyOf(alertId, sink));
  }

  async record(alertId: string, sink: string, state: DeliveryState): Promise<void> {
    this.#states.set(keyOf(alertId, sink), state);
  }

  async close(): Promise<void> {}

  /** Records held (for tests and metrics). */
  get size(): number {
    return this.#states.size;
  }
}

// NUL cannot appear in a sink name, so the key is unambiguous.
function keyOf(alertId: string, sink: string): string {
  return `${sink}\u0000${alertId}`;
}
