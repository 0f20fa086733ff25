import type { HandlerResult, MessageHandler } from '../ingest/sqs/index.js';
import type { ObjectProcessor } from './object-processor.js';

/**
 * The SQS consumer's handler: reads every object the message names, one after the other, and
 * answers `done` only when each of them is done. An object that must be retried does not stop the
 * others: their alerts are delivered now, and when the message comes back dedup and the delivery
 * ledger keep them from being sent twice.
 */
export function createMessageHandler(processor: Pick<ObjectProcessor, 'process'>): MessageHandler {
  return async (message, refs, signal) => {
    let status: HandlerResult = 'done';
    for (const ref of refs) {
      if (signal.aborted) return 'retry';
      const result = await processor.process(ref, signal, { replay: message.receiveCount > 1 });
      if (result.status === 'done') continue;
      // Waiting for a sink is the milder reason: any other (an unreadable object) wins.
      if (result.outcome === 'undelivered') {
        if (status === 'done') status = 'awaiting-delivery';
      } else {
        status = 'retry';
      }
    }
    return status;
  };
}
