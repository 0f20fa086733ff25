/**
 * The naive parser every baseline shares: one regular expression per line (the one commonly
 * given for Athena) and an object with every field built eagerly. It trusts quotes, so hostile
 * lines (unescaped quotes, CloudFront OAI requesters) come back as null — errors — instead of
 * records. Plain JavaScript with no dependencies, so `bench/baseline-scan.mjs` runs on bare node.
 */
const ACCESS_LOG =
  /^(\S+) (\S+) \[([\w:/]+\s[+-]\d{4})\] (\S+) (\S+) (\S+) (\S+) (\S+) "([^"]*)" (\S+) (\S+) (\S+) (\S+) (\S+) (\S+) "([^"]*)" "([^"]*)" (\S+) (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)(?: (\S+))?(?: (\S+))?(?: (\S+))?(.*)$/;
const NAMES = [
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
];
const NUMERIC = new Set(['httpstatus', 'bytessent', 'objectsize', 'totaltime', 'turnaroundtime']);

/** The record of one line (`-` left out, numbers as numbers), or null when the regex fails. */
export function naiveParse(line) {
  const match = ACCESS_LOG.exec(line);
  if (match === null) return null;
  const record = {};
  for (let i = 0; i < NAMES.length; i++) {
    const value = match[i + 1];
    if (value === undefined || value === '-') continue;
    record[NAMES[i]] = NUMERIC.has(NAMES[i]) ? Number(value) : value;
  }
  return record;
}
