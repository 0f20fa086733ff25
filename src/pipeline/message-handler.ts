import type { ObjectRef } from '../ingest/notifications.js';
import type { MessageHandler } from '../ingest/sqs/index.js';
import type { ObjectProcessor } from './object-processor.js';
import type { UndeliveredAlerts } from './undelivered-alerts.js';

/**
 * The SQS consumer's handler: reads every object the message names, one after the other, and
 * answers `done` only when each of them is done. An object that must be retried does not stop the
 * others: their alerts are delivered now, and when the message comes back dedup and the delivery
 * ledger keep them from being sent twice.
 */
export function createMessageHandler(
  processor: Pick<ObjectProcessor, 'process'>,
  undelivered?: Pick<UndeliveredAlerts, 'holds'>,
): MessageHandler {
  return async (message, given, signal) => {
    // Objects holding alerts an earlier read could not deliver go first: reading one sends those
    // again, so a slow object elsewhere in the message, cut short every time, cannot keep them
    // from their sink.
    const refs = undelivered
      ? [...given.filter((ref) => undelivered.holds(ref)), ...given.filter((ref) => !undelivered.holds(ref))]
      : given;
    let awaitingDependency = false;
    const unfinished: ObjectRef[] = [];
    for (const [index, ref] of refs.entries()) {
      if (signal.aborted) {
        // The objects not reached may hold such alerts too: those wait, and past the receive cap
        // they keep the message.
        const rest = refs.slice(index);
        if (rest.some((later) => undelivered?.holds(later))) awaitingDependency = true;
        return {
          result: awaitingDependency ? 'awaiting-delivery' : 'retry',
          unfinished: [...unfinished, ...rest],
        };
      }
      const result = await processor.process(ref, signal, { replay: message.receiveCount > 1 });
      // Alerts that wait for a sink — also those opened before a read failed half-way — and a dedup
      // store out of reach are outages of a dependency, not faults of the object.
      if (result.outcome === 'store-failed' || result.counts.undelivered > 0) awaitingDependency = true;
      if (result.status === 'retry' || result.counts.undelivered > 0) unfinished.push(ref);
    }
    // A dependency outage wins over an unreadable object: past the receive cap the message is then
    // kept, since deleting it would drop alerts, or the objects the store kept us from reading.
    if (awaitingDependency) return { result: 'awaiting-delivery', unfinished };
    return { result: unfinished.length > 0 ? 'retry' : 'done', unfinished };
  };
}
