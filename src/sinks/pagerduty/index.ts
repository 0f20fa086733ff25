export { PagerDutySink } from './pagerduty-sink.js';
export {
  PagerDutySinkSchema,
  PAGERDUTY_US_URL,
  PAGERDUTY_EU_URL,
  type PagerDutySinkConfig,
} from './config.js';
export {
  triggerEvent,
  dedupKey,
  PAGERDUTY_SEVERITY,
  PAGERDUTY_LIMITS,
  type PagerDutyEvent,
} from './event.js';
