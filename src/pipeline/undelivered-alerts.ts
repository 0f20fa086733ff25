import { LRUCache } from 'lru-cache';
import type { Alert } from '../alert/alert.js';
import type { ObjectRef } from '../ingest/notifications.js';

/** Objects whose undelivered alerts are remembered; beyond this the oldest are forgotten. */
export const DEFAULT_UNDELIVERED_OBJECTS = 10_000;

/**
 * Alerts that were opened while reading an object but not delivered to every sink, kept until the
 * object is read again (its SQS message comes back).
 *
 * Why this exists: dedup counts a match once per window, so reading the object a second time in
 * the same process suppresses the very matches whose alerts still have to be delivered. Without
 * this, a redelivered message would find no alert to send and be deleted — a loss. With it, the
 * redelivered object re-dispatches these alerts and the delivery ledger sends them only to the
 * sinks that lack them. Bounded: a message that never comes back (poison cap, queue expiry) cannot
 * hold memory forever.
 */
export class UndeliveredAlerts {
  private readonly byObject: LRUCache<string, Map<string, Alert>>;

  constructor(maxObjects: number = DEFAULT_UNDELIVERED_OBJECTS) {
    this.byObject = new LRUCache({ max: maxObjects });
  }

  hold(ref: ObjectRef, alert: Alert): void {
    const key = objectKey(ref);
    let alerts = this.byObject.get(key);
    if (!alerts) this.byObject.set(key, (alerts = new Map()));
    alerts.set(alert.alertId, alert);
  }

  /** Forgets an alert once it is settled everywhere. */
  release(ref: ObjectRef, alertId: string): void {
    const key = objectKey(ref);
    const alerts = this.byObject.get(key);
    if (!alerts) return;
    alerts.delete(alertId);
    if (alerts.size === 0) this.byObject.delete(key);
  }

  /** The alerts held for `ref` (they stay held until released). */
  heldFor(ref: ObjectRef): Alert[] {
    return [...(this.byObject.get(objectKey(ref))?.values() ?? [])];
  }

  /** Whether any alert is held for `ref`. */
  holds(ref: ObjectRef): boolean {
    return this.byObject.has(objectKey(ref));
  }

  /** Number of alerts held, over all objects. */
  get size(): number {
    let total = 0;
    for (const alerts of this.byObject.values()) total += alerts.size;
    return total;
  }
}

// NUL cannot appear in a bucket name, so the key is unambiguous.
function objectKey(ref: ObjectRef): string {
  return `${ref.bucket}\u0000${ref.key}`;
}
