import type { MessageHandler } from '../ingest/sqs/index.js';
import type { ObjectProcessor } from './object-processor.js';

/**
 * The SQS consumer's handler: reads every object the message names, one after the other, and
 * answers `done` only when each of them is done. An object that must be retried does not stop the
 * others: their alerts are delivered now, and when the message comes back dedup and the delivery
 * ledger keep them from being sent twice.
 */
export function createMessageHandler(processor: Pick<ObjectProcessor, 'process'>): MessageHandler {
  return async (message, refs, signal) => {
    let retry = false;
    let awaitingDependency = false;
    for (const ref of refs) {
      if (signal.aborted) return 'retry';
      const result = await processor.process(ref, signal, { replay: message.receiveCount > 1 });
      // Alerts that wait for a sink — also those opened before a read failed half-way — and a dedup
      // store out of reach are outages of a dependency, not faults of the object.
      if (result.outcome === 'store-failed' || result.counts.undelivered > 0) awaitingDependency = true;
      else if (result.status === 'retry') retry = true;
    }
    // A dependency outage wins over an unreadable object: past the receive cap the message is then
    // kept, since deleting it would drop alerts, or the objects the store kept us from reading.
    if (awaitingDependency) return 'awaiting-delivery';
    return retry ? 'retry' : 'done';
  };
}
