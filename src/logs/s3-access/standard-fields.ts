import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * Panther's `p_any_*` indicator fields and row ids. These run only when a record is materialised
 * (`toJSON()` or a `get('p_…')`), never while parsing.
 */

/** A valid IPv4 or IPv6 address, or nothing: `-` and garbage are not indicators. */
export function ipIndicators(remoteIp: string | null): string[] {
  return remoteIp !== null && isIP(remoteIp) !== 0 ? [remoteIp] : [];
}

/** Every value that is an ARN (`arn:partition:service:…`), each once, in the given order. */
export function arnIndicators(values: readonly (string | null)[]): string[] {
  const arns: string[] = [];
  for (const value of values) {
    if (value !== null && value.startsWith('arn:') && !arns.includes(value)) arns.push(value);
  }
  return arns;
}

const ACCOUNT_ID = /^\d{12}$/;

/** The 12-digit account ids in ARNs (`arn:aws:iam::123456789012:user/x` → `123456789012`), each once. */
export function accountIdIndicators(arns: readonly string[]): string[] {
  const ids: string[] = [];
  for (const arn of arns) {
    // arn:partition:service:region:account-id:resource — the account is the fifth part.
    const parts = arn.split(':', 5);
    const account = parts[4];
    if (account !== undefined && ACCOUNT_ID.test(account) && !ids.includes(account)) ids.push(account);
  }
  return ids;
}

// A random per-process prefix plus a counter: unique across processes without a random draw per
// record. The counter is taken at parse time (an increment); the string is built only on demand.
const ROW_ID_PREFIX = randomBytes(8).toString('hex');
let nextRowNumber = 0;

export function takeRowNumber(): number {
  return nextRowNumber++;
}

export function formatRowId(rowNumber: number): string {
  return ROW_ID_PREFIX + rowNumber.toString(16).padStart(12, '0');
}
