export { SqsConsumer, SqsConsumerError, type ConsumerState, type ConsumerStatus } from './lifecycle.js';
export {
  SQS_DEFAULTS,
  SQS_LIMITS,
  SqsOptionsError,
  type PoisonPolicy,
  type SqsConsumerOptions,
} from './options.js';
export type { HandlerReport, HandlerResult, MessageHandler, ReceivedMessage, StopOptions } from './types.js';
