export { FileSink } from './file-sink.js';
export { FileSinkSchema, type FileSinkConfig } from './config.js';
