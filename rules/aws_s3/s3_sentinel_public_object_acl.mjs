/**
 * S3Sentinel.S3.PublicObjectACL as a code rule: a successful object write or ACL change whose
 * request-URI query string sets a canned ACL readable beyond the account (`public-read`,
 * `public-read-write`, `authenticated-read`) or grants a permission to the AllUsers or
 * AuthenticatedUsers group (`x-amz-grant-read=uri="http://acs.amazonaws.com/groups/global/AllUsers"`
 * and the other `x-amz-grant-*` parameters). AuthenticatedUsers means any AWS account, not only
 * yours.
 *
 * S3 percent-decodes query parameters, so this rule does too before comparing: `public%2Dread`,
 * `%70ublic-read` and `groups%2Fglobal/AllUsers` are what S3 reads as `public-read` and
 * `groups/global/AllUsers`. The query string is split into parameters on the raw `&` and `=`
 * first (an encoded `%26` or `%3D` is data, as for S3), then each name and value is decoded once,
 * as S3 does: a `+` is a space, a `%XX` sequence a byte (UTF-8), and a malformed `%` sequence is
 * kept as it is — decoding never throws, and its work is linear in the URI's length. Names compare
 * case-insensitively, values too.
 *
 * Self-contained on purpose: rule modules are loaded from the rules/ folder, beside (not inside)
 * the compiled program. Plain JavaScript (types in JSDoc): a TypeScript rule makes every `scan`
 * and `run` load tsx first, about a third of a second.
 */
import { TextDecoder } from 'node:util';

/** @typedef {{ get(field: string): unknown }} RuleEvent */

const OPERATIONS = new Set([
  'REST.PUT.OBJECT',
  'REST.PUT.ACL',
  'REST.COPY.OBJECT',
  'REST.POST.UPLOADS',
  'REST.POST.OBJECT',
]);
/** Canned ACLs that let someone outside the account read the object (or its ACL). */
const PUBLIC_CANNED_ACLS = new Set(['public-read', 'public-read-write', 'authenticated-read']);
/** The grantee groups of everyone and of every AWS account, as in `uri="http://acs.amazonaws.com/…"`. */
const PUBLIC_GROUPS = ['groups/global/allusers', 'groups/global/authenticatedusers'];
/** What an alert quotes of the parameter that matched. */
const MAX_QUOTED_CHARS = 300;
const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g;
const utf8 = new TextDecoder('utf-8', { fatal: false });
/**
 * One pass of query-string decoding that never throws: `+` → space, each run of `%XX` → its bytes
 * read as UTF-8 (invalid UTF-8 → U+FFFD), any other `%` kept as it is.
 */
export function decodeQueryComponent(raw) {
  if (!raw.includes('%') && !raw.includes('+')) return raw;
  return raw.replaceAll('+', ' ').replace(PERCENT_RUN, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
    return utf8.decode(bytes);
  });
}
/** The query string of a logged request-URI (`PUT /key?a=b HTTP/1.1` → `a=b`), or '' without one. */
function queryOf(requestUri) {
  const start = requestUri.indexOf('?');
  if (start < 0) return '';
  return requestUri.slice(start + 1).replace(/ HTTP\/[0-9.]+$/i, '');
}
/** The first query parameter that makes the object public, as decoded `name=value`, or undefined. */
export function publicAclParameter(requestUri) {
  const query = queryOf(requestUri);
  if (query === '') return undefined;
  for (const parameter of query.split('&')) {
    const equals = parameter.indexOf('=');
    if (equals < 0) continue;
    const name = decodeQueryComponent(parameter.slice(0, equals)).trim();
    const lowerName = name.toLowerCase();
    if (lowerName !== 'x-amz-acl' && !lowerName.startsWith('x-amz-grant-')) continue;
    const value = decodeQueryComponent(parameter.slice(equals + 1)).trim();
    const lowerValue = value.toLowerCase();
    const isPublic =
      lowerName === 'x-amz-acl'
        ? PUBLIC_CANNED_ACLS.has(lowerValue)
        : PUBLIC_GROUPS.some((group) => lowerValue.includes(group));
    if (isPublic) return `${name}=${value}`.slice(0, MAX_QUOTED_CHARS);
  }
  return undefined;
}
/**
 * @param {RuleEvent} event
 * @param {string} field
 */
function text(event, field) {
  const value = event.get(field);
  return typeof value === 'string' ? value : '';
}
/** @param {RuleEvent} event */
export function rule(event) {
  if (!OPERATIONS.has(event.get('operation'))) return false;
  const status = event.get('httpstatus');
  if (!((typeof status === 'number' || typeof status === 'string') && Number(status) === 200)) return false;
  return publicAclParameter(text(event, 'requesturi')) !== undefined;
}
/** @param {RuleEvent} event */
export function title(event) {
  return `Public ACL set on an object in S3 Bucket [${text(event, 'bucket') || '<UNKNOWN_BUCKET>'}]`;
}
/** @param {RuleEvent} event */
export function alertContext(event) {
  return { publicAcl: publicAclParameter(text(event, 'requesturi')) ?? null };
}
