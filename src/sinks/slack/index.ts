export { SlackSink } from './slack-sink.js';
export { SlackSinkSchema, type SlackSinkConfig } from './config.js';
export {
  alertMessage,
  digestMessage,
  fallbackText,
  SEVERITY_COLOURS,
  SLACK_LIMITS,
  type SlackMessage,
} from './message.js';
