export {
  ObjectProcessor,
  MAX_PENDING_DISPATCHES,
  type AlertDispatcher,
  type ObjectCounts,
  type ObjectOpener,
  type ObjectOutcome,
  type ObjectProcessorOptions,
  type ObjectResult,
  type ProcessOptions,
} from './object-processor.js';
export { createMessageHandler } from './message-handler.js';
export { UndeliveredAlerts, DEFAULT_UNDELIVERED_OBJECTS } from './undelivered-alerts.js';
