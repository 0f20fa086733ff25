import { LRUCache } from 'lru-cache';
import type { Alert } from '../alert/alert.js';
import type { ObjectRef } from '../ingest/notifications.js';

/** Objects whose undelivered alerts are remembered; beyond this the oldest are forgotten. */
export const DEFAULT_UNDELIVERED_OBJECTS = 10_000;
/**
 * Alerts remembered over all objects. Each carries its event (up to a line's 64 KiB), so the bound
 * is on alerts, not objects: a long outage must not grow memory without limit.
 */
export const DEFAULT_UNDELIVERED_ALERTS = 20_000;

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
  private total = 0;
  /** Alerts forgotten because a bound was reached (each is a loss: its message will find none). */
  evicted = 0;

  constructor(
    maxObjects: number = DEFAULT_UNDELIVERED_OBJECTS,
    private readonly maxAlerts: number = DEFAULT_UNDELIVERED_ALERTS,
  ) {
    this.byObject = new LRUCache({
      max: maxObjects,
      dispose: (alerts, _key, reason) => {
        this.total -= alerts.size;
        if (reason === 'evict') this.evicted += alerts.size;
      },
    });
  }

  hold(ref: ObjectRef, alert: Alert): void {
    const key = objectKey(ref);
    let alerts = this.byObject.get(key);
    if (!alerts) this.byObject.set(key, (alerts = new Map()));
    if (alerts.has(alert.alertId)) return;
    alerts.set(alert.alertId, alert);
    this.total++;
    // Oldest objects go first; the one just held stays (it is the most recently used).
    while (this.total > this.maxAlerts && this.byObject.size > 1) {
      const oldest = this.byObject.rkeys().next().value as string;
      const dropped = this.byObject.get(oldest)?.size ?? 0;
      this.byObject.delete(oldest);
      this.evicted += dropped;
    }
  }

  /** Forgets an alert once it is settled everywhere. */
  release(ref: ObjectRef, alertId: string): void {
    const key = objectKey(ref);
    const alerts = this.byObject.get(key);
    if (!alerts || !alerts.delete(alertId)) return;
    this.total--;
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
    return this.total;
  }
}

// NUL cannot appear in a bucket name or a version id, so the key is unambiguous. Two versions of
// one key are two objects.
function objectKey(ref: ObjectRef): string {
  return `${ref.bucket}\u0000${ref.versionId ?? ''}\u0000${ref.key}`;
}
