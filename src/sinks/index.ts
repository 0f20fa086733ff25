export { createSinks, type SinkDeps } from './create.js';
export {
  Dispatcher,
  type DispatcherOptions,
  type DispatchOutcome,
  type SinkOutcome,
} from './dispatcher/dispatcher.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './dispatcher/retry.js';
export type { Sink, SendResult, SinkDeliveryOptions, StatusClass } from './sink.js';
export { SinksSchema, SINK_TYPES, type SinkConfig } from './config.js';
export { verifySignature, SIGNATURE_HEADER } from './webhook/index.js';
export { PAGERDUTY_EU_URL, PAGERDUTY_US_URL } from './pagerduty/index.js';
