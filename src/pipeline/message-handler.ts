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
    let awaitingDelivery = false;
    for (const ref of refs) {
      if (signal.aborted) return 'retry';
      const result = await processor.process(ref, signal, { replay: message.receiveCount > 1 });
      if (result.outcome === 'undelivered') awaitingDelivery = true;
      else if (result.status === 'retry') retry = true;
    }
    // Alerts waiting for a sink win over an unreadable object: past the receive cap the message is
    // then kept, since deleting it would drop those alerts.
    if (awaitingDelivery) return 'awaiting-delivery';
    return retry ? 'retry' : 'done';
  };
}
