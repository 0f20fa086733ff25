/**
 * The fields of an S3 server access log line, in line order, with Panther's `AWS.S3ServerAccess`
 * names. A record stores two offsets per field (start, end) into its line; these indices say which
 * pair belongs to which field, so the parser and the record agree on one table.
 */
export const S3_ACCESS_LOG_TYPE = 'AWS.S3ServerAccess';

export const FIELD_NAMES = [
  'bucketowner',
  'bucket',
  'time',
  'remoteip',
  'requester',
  'requestid',
  'operation',
  'key',
  'requesturi',
  'httpstatus',
  'errorcode',
  'bytessent',
  'objectsize',
  'totaltime',
  'turnaroundtime',
  'referrer',
  'useragent',
  'versionid',
  'hostid',
  'signatureversion',
  'ciphersuite',
  'authenticationtype',
  'hostheader',
  'tlsVersion',
  'accesspointarn',
  'aclrequired',
  'sourceregion',
] as const;

export type FieldName = (typeof FIELD_NAMES)[number];

// Field indices used by the parser; named so the parser reads as the format does.
export const F = {
  bucketowner: 0,
  bucket: 1,
  time: 2,
  remoteip: 3,
  requester: 4,
  requestid: 5,
  operation: 6,
  key: 7,
  requesturi: 8,
  httpstatus: 9,
  errorcode: 10,
  bytessent: 11,
  objectsize: 12,
  totaltime: 13,
  turnaroundtime: 14,
  referrer: 15,
  useragent: 16,
  versionid: 17,
  hostid: 18,
  signatureversion: 19,
  ciphersuite: 20,
  authenticationtype: 21,
  hostheader: 22,
  tlsVersion: 23,
  accesspointarn: 24,
  aclrequired: 25,
  sourceregion: 26,
} as const satisfies Record<FieldName, number>;

export const FIELD_COUNT = FIELD_NAMES.length;
/** Fields after the user agent: written by AWS, never quoted, never containing spaces. */
export const FIRST_TAIL_FIELD = F.versionid;
export const TAIL_FIELD_COUNT = FIELD_COUNT - FIRST_TAIL_FIELD;

/** Fields whose values are numbers in the record (`-` stays null). */
export const NUMERIC_FIELDS: ReadonlySet<number> = new Set([
  F.httpstatus,
  F.bytessent,
  F.objectsize,
  F.totaltime,
  F.turnaroundtime,
]);

/** Unknown fields AWS appended after the ones we know, as a list of strings. */
export const ADDITIONAL_FIELDS = 'additionalfields';

/** Panther's standard fields, computed from the line and where it came from. */
export const STANDARD_FIELD_NAMES = [
  'p_log_type',
  'p_event_time',
  'p_parse_time',
  'p_row_id',
  'p_any_ip_addresses',
  'p_any_aws_arns',
  'p_any_aws_account_ids',
  'p_source',
] as const;
export type StandardFieldName = (typeof STANDARD_FIELD_NAMES)[number];

/**
 * Lookup codes: 0..FIELD_COUNT-1 are line fields, FIELD_COUNT is `additionalfields`, and the
 * standard fields follow. One table serves every lookup spelling.
 */
export const ADDITIONAL_FIELDS_CODE = FIELD_COUNT;
export const STANDARD_FIELD_CODE_BASE = FIELD_COUNT + 1;

/**
 * Name → lookup code, holding each name both as written and lower-cased. Built once: a rule calls
 * `get('operation')` for every line, so the common spellings hit this map without `toLowerCase()`
 * allocating a new string; only unusual spellings (`TLSVERSION`) pay for lower-casing.
 */
export const FIELD_CODES: ReadonlyMap<string, number> = (() => {
  const codes = new Map<string, number>();
  const add = (name: string, code: number) => {
    codes.set(name, code);
    codes.set(name.toLowerCase(), code);
  };
  FIELD_NAMES.forEach((name, index) => add(name, index));
  add(ADDITIONAL_FIELDS, ADDITIONAL_FIELDS_CODE);
  STANDARD_FIELD_NAMES.forEach((name, index) => add(name, STANDARD_FIELD_CODE_BASE + index));
  return codes;
})();

/** The lookup code of a standard field. */
export function standardFieldCode(name: StandardFieldName): number {
  return STANDARD_FIELD_CODE_BASE + STANDARD_FIELD_NAMES.indexOf(name);
}

/** How many lookup codes there are: line fields, `additionalfields`, standard fields. */
export const LOOKUP_CODE_COUNT = STANDARD_FIELD_CODE_BASE + STANDARD_FIELD_NAMES.length;

/** The lookup code of a field name in any letter case, or `undefined` for names the record lacks. */
export function fieldCode(name: string): number | undefined {
  return FIELD_CODES.get(name) ?? FIELD_CODES.get(name.toLowerCase());
}
