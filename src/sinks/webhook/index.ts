export { WebhookSink } from './webhook-sink.js';
export { WebhookSinkSchema, type WebhookSinkConfig } from './config.js';
export { SIGNATURE_HEADER, signatureHeader, verifySignature } from './signature.js';
