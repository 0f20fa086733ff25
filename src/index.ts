// Package entry: the types of the two contracts embedders and sink authors need (the record's
// common view and the alert). The stages themselves are not a public API yet.
export type { LogEvent, SourceRef } from './logs/event.js';
export type { Alert, Severity } from './alert/alert.js';
