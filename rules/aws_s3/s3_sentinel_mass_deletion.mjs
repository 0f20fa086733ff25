/**
 * S3Sentinel.S3.MassDeletion as a code rule: successful object deletions, counted per bucket and
 * principal (Threshold 100 in 15 minutes, in the YAML beside this file).
 *
 * The principal is the requester without the part its caller names:
 * `arn:aws:sts::123456789012:assumed-role/Role/AnySession` counts as
 * `arn:aws:sts::123456789012:assumed-role/Role`, and every `…:federated-user/AnyName` of an account
 * as `arn:aws:sts::123456789012:federated-user/*`. Whoever calls sts:AssumeRole or
 * sts:GetFederationToken picks the session or user name, so grouping by the whole requester would
 * let one principal delete 99 objects per name, as many times as it likes, without ever reaching
 * the threshold. Every other requester (IAM users, roots, canonical ids, anonymous) is kept whole.
 * The daemon recognises its own reads the same way (src/ingest/self-identity.ts).
 *
 * Self-contained on purpose: rule modules are loaded from the rules/ folder, beside (not inside)
 * the compiled program. Plain JavaScript (types in JSDoc): a TypeScript rule makes every `scan`
 * and `run` load tsx first, about a third of a second.
 */
/** @typedef {{ get(field: string): unknown }} RuleEvent */

const DELETE_OPERATIONS = new Set(['REST.DELETE.OBJECT', 'BATCH.DELETE.OBJECT']);
const SUCCESS_STATUSES = new Set([200, 204]);
// partition, account, role name; the session name (which the caller chooses) is dropped.
const ASSUMED_ROLE = /^arn:([^:/]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/s;
// partition, account; the federated user's name (which the caller chooses) is dropped.
const FEDERATED_USER = /^arn:([^:/]+):sts::(\d{12}):federated-user\/.+$/s;
/**
 * @param {RuleEvent} event
 * @param {string} field
 */
function text(event, field) {
  const value = event.get(field);
  return typeof value === 'string' ? value : '';
}
/**
 * The requester without an assumed role's session name or a federated user's name; other
 * requesters unchanged.
 * @param {string} requester
 */
export function principalOf(requester) {
  const role = ASSUMED_ROLE.exec(requester);
  if (role) return `arn:${role[1]}:sts::${role[2]}:assumed-role/${role[3]}`;
  const federated = FEDERATED_USER.exec(requester);
  return federated ? `arn:${federated[1]}:sts::${federated[2]}:federated-user/*` : requester;
}
/** @param {RuleEvent} event */
export function rule(event) {
  if (!DELETE_OPERATIONS.has(event.get('operation'))) return false;
  const status = event.get('httpstatus');
  return (typeof status === 'number' || typeof status === 'string') && SUCCESS_STATUSES.has(Number(status));
}
/** @param {RuleEvent} event */
export function title(event) {
  const bucket = text(event, 'bucket') || '<UNKNOWN_BUCKET>';
  const principal = principalOf(text(event, 'requester')) || '<UNKNOWN_REQUESTER>';
  return `Mass deletion in S3 Bucket [${bucket}] by ${principal}`;
}
/**
 * `bucket:principal`, as the former `GroupBy: [bucket, requester]` (an anonymous requester is empty).
 * @param {RuleEvent} event
 */
export function dedup(event) {
  return `${text(event, 'bucket')}:${principalOf(text(event, 'requester'))}`;
}
/** @param {RuleEvent} event */
export function alertContext(event) {
  return { principal: principalOf(text(event, 'requester')) || null };
}
