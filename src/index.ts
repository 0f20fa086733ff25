// Library entry: the stages, for embedding s3-sentinel in other programs.
export type { LogEvent, SourceRef } from './logs/event.js';
export type { Alert, Severity } from './alert/alert.js';
