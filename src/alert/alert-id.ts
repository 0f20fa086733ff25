import { createHash } from 'node:crypto';

/**
 * The alert id: a hash of rule, dedup string and window start, so the same alert gets the same id
 * in every process, replica and re-run — sinks (PagerDuty's dedup_key, the delivery ledger) rely on
 * it to turn retries and redeliveries into no-ops. 128 bits of SHA-256, hex.
 */
export function alertIdFor(ruleId: string, dedupString: string, windowStartMs: number): string {
  return createHash('sha256')
    .update(`${ruleId}\u0000${dedupString}\u0000${windowStartMs}`)
    .digest('hex')
    .slice(0, 32);
}
