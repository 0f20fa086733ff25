export { S3_ACCESS_LOG_TYPE, FIELD_NAMES, ADDITIONAL_FIELDS, STANDARD_FIELD_NAMES } from './fields.js';
export type { FieldName, StandardFieldName } from './fields.js';
export { parseS3AccessLine, parseS3AccessLineAt } from './parse.js';
export { S3AccessEvent, type SourceOf } from './record.js';
export { ParseError, isParseError } from './parse-error.js';
export { parseAccessLogTime, formatPantherTime } from './time.js';
