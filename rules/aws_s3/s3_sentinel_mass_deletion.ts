/**
 * S3Sentinel.S3.MassDeletion as a code rule: successful object deletions, counted per bucket and
 * principal (Threshold 100 in 15 minutes, in the YAML beside this file).
 *
 * The principal is the requester without an assumed role's session name:
 * `arn:aws:sts::123456789012:assumed-role/Role/AnySession` counts as
 * `arn:aws:sts::123456789012:assumed-role/Role`. Whoever calls sts:AssumeRole picks the session
 * name, so grouping by the whole requester would let one role delete 99 objects per session name,
 * as many times as it likes, without ever reaching the threshold. Every other requester (IAM users,
 * roots, canonical ids, anonymous) is kept whole, as before. The daemon recognises its own reads
 * the same way (src/ingest/self-identity.ts).
 *
 * Self-contained on purpose: rule modules are loaded from the rules/ folder, beside (not inside)
 * the compiled program.
 */
interface RuleEvent {
  get(field: string): unknown;
}

const DELETE_OPERATIONS: ReadonlySet<unknown> = new Set(['REST.DELETE.OBJECT', 'BATCH.DELETE.OBJECT']);
const SUCCESS_STATUSES: ReadonlySet<number> = new Set([200, 204]);

// partition, account, role name; the session name (which the caller chooses) is dropped.
const ASSUMED_ROLE = /^arn:([^:/]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/s;

function text(event: RuleEvent, field: string): string {
  const value = event.get(field);
  return typeof value === 'string' ? value : '';
}

/** The requester without an assumed role's session name; other requesters unchanged. */
export function principalOf(requester: string): string {
  const role = ASSUMED_ROLE.exec(requester);
  return role ? `arn:${role[1]}:sts::${role[2]}:assumed-role/${role[3]}` : requester;
}

export function rule(event: RuleEvent): boolean {
  if (!DELETE_OPERATIONS.has(event.get('operation'))) return false;
  const status = event.get('httpstatus');
  return (typeof status === 'number' || typeof status === 'string') && SUCCESS_STATUSES.has(Number(status));
}

export function title(event: RuleEvent): string {
  const bucket = text(event, 'bucket') || '<UNKNOWN_BUCKET>';
  const principal = principalOf(text(event, 'requester')) || '<UNKNOWN_REQUESTER>';
  return `Mass deletion in S3 Bucket [${bucket}] by ${principal}`;
}

/** `bucket:principal`, as the former `GroupBy: [bucket, requester]` (an anonymous requester is empty). */
export function dedup(event: RuleEvent): string {
  return `${text(event, 'bucket')}:${principalOf(text(event, 'requester'))}`;
}

export function alertContext(event: RuleEvent): Record<string, unknown> {
  return { principal: principalOf(text(event, 'requester')) || null };
}
