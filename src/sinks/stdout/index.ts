export { StdoutSink } from './stdout-sink.js';
export { StdoutSinkSchema, type StdoutSinkConfig } from './config.js';
