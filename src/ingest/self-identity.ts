/**
 * Recognises the daemon's own reads of log objects, so that reading access logs never raises
 * alerts about reading access logs (a feedback loop). A read is ours only when BOTH hold:
 *
 * - the requester is our identity (sts:GetCallerIdentity at start), and
 * - the user agent carries our marker `s3-sentinel/<version>`.
 *
 * The user agent alone is chosen by the client: an attacker could send ours to hide. The
 * requester alone would also hide everything else done with the same role (a person using it from
 * a laptop), which is exactly what should alert.
 */
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { LogEvent } from '../logs/event.js';

export const USER_AGENT_PRODUCT = 's3-sentinel';

/** The value for `customUserAgent` on our S3 clients, e.g. `s3-sentinel/0.1.0`. */
export function ownUserAgent(version: string): string {
  return `${USER_AGENT_PRODUCT}/${version}`;
}

/**
 * Who we are, reduced to what an access log's requester field can be compared with:
 * - IAM user: `arn:aws:iam::123456789012:user/path/name` → compared whole;
 * - assumed role: `arn:aws:sts::123456789012:assumed-role/RoleName/SessionName` → compared on
 *   partition, account and role name. The session name is not compared: credentials refresh
 *   (EC2/ECS/EKS roles) starts new sessions, and logs written later carry the new one.
 */
export type SelfIdentity =
  | { kind: 'user'; arn: string; account: string }
  | { kind: 'assumed-role'; arn: string; partition: string; account: string; roleName: string }
  | { kind: 'other'; arn: string; account: string };

const ASSUMED_ROLE = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;
const IAM_USER = /^arn:[^:]+:iam::(\d{12}):user\/.+$/;

export function identityFromArn(arn: string): SelfIdentity {
  const role = ASSUMED_ROLE.exec(arn);
  if (role) {
    return {
      kind: 'assumed-role',
      arn,
      partition: role[1] as string,
      account: role[2] as string,
      roleName: role[3] as string,
    };
  }
  const user = IAM_USER.exec(arn);
  if (user) return { kind: 'user', arn, account: user[1] as string };
  const account = /^arn:[^:]+:[^:]+::(\d{12}):/.exec(arn)?.[1] ?? '';
  return { kind: 'other', arn, account };
}

/** Calls sts:GetCallerIdentity once (at start-up). */
export async function resolveSelfIdentity(sts: STSClient, signal?: AbortSignal): Promise<SelfIdentity> {
  const response = await sts.send(new GetCallerIdentityCommand({}), { abortSignal: signal });
  if (!response.Arn) throw new Error('sts:GetCallerIdentity returned no Arn');
  return identityFromArn(response.Arn);
}

/** True when the requester ARN of a log line is `identity`. */
export function requesterIsSelf(identity: SelfIdentity, requester: string): boolean {
  if (identity.kind !== 'assumed-role') return requester === identity.arn;
  const role = ASSUMED_ROLE.exec(requester);
  return (
    role !== null &&
    role[1] === identity.partition &&
    role[2] === identity.account &&
    role[3] === identity.roleName
  );
}

/** True when a user agent carries our marker as one of its space-separated tokens. */
export function userAgentHasMarker(userAgent: string, product: string = USER_AGENT_PRODUCT): boolean {
  const prefix = `${product}/`;
  return userAgent.split(/\s+/).some((token) => token.startsWith(prefix) && token.length > prefix.length);
}

/**
 * What the daemon's own reads look like in a log: a successful GetObject (200, or 206 for a range).
 * Anything else done with our identity and marker — a PUT, a DELETE, a HEAD, a listing, a 403
 * probe of a bucket we are not allowed to read — is not our read and must reach the rules: someone
 * holding stolen task credentials can set any user agent.
 */
const OWN_READ_OPERATION = 'REST.GET.OBJECT';
const OWN_READ_STATUSES: ReadonlySet<number> = new Set([200, 206]);

/** The buckets this daemon reads log objects from: only reads of those can be ours. */
export interface ReadBuckets {
  has(bucket: string): boolean;
}

/** Builds the `isOwnRead(event)` predicate the pipeline uses to drop our own reads. */
export function createOwnReadPredicate(
  identity: SelfIdentity,
  readBuckets: ReadBuckets,
): (event: LogEvent) => boolean {
  return (event) => {
    if (event.get('operation') !== OWN_READ_OPERATION) return false;
    const status = event.get('httpstatus');
    if (typeof status !== 'number' || !OWN_READ_STATUSES.has(status)) return false;
    const bucket = event.get('bucket');
    if (typeof bucket !== 'string' || !readBuckets.has(bucket)) return false;
    const requester = event.get('requester');
    const userAgent = event.get('useragent');
    return (
      typeof requester === 'string' &&
      typeof userAgent === 'string' &&
      requesterIsSelf(identity, requester) &&
      userAgentHasMarker(userAgent)
    );
  };
}
