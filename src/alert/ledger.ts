/**
 * Records, per (alert id, sink name), whether an alert reached that sink, so that a retry, a
 * redelivered SQS message or a re-scan never sends the same alert twice to a sink that has it, and
 * a sink that failed is retried without re-sending to the ones that succeeded.
 *
 * The memory ledger serves one process; the DynamoDB ledger survives restarts and is shared by
 * replicas.
 */
export type DeliveryState = 'delivered' | 'failed-permanent';

/**
 * What `claim` found: send it; send it, though another holder's claim ran out (it died or was cut
 * short while sending, possibly after the destination took the alert); another replica has sent
 * it; or another replica is sending it.
 */
export type ClaimResult = 'claimed' | 'taken-over' | 'delivered' | 'busy';

export interface DeliveryLedger {
  /** The recorded state of `alertId` at `sink`, or `undefined` when nothing is recorded. */
  get(alertId: string, sink: string): Promise<DeliveryState | undefined>;
  /** Records the final state of `alertId` at `sink`. */
  record(alertId: string, sink: string, state: DeliveryState): Promise<void>;
  /**
   * Optional, for ledgers that replicas share: takes the right to send `alertId` to `sink` for
   * `leaseMs`, so that two replicas that opened the same alert do not both send it while the first
   * delivery is under way (a moment, or a whole destination outage). A holder that dies loses the
   * claim when the lease runs out. A ledger of one process needs none: the dispatcher already joins
   * deliveries of the same alert.
   */
  claim?(alertId: string, sink: string, holder: string, leaseMs: number): Promise<ClaimResult>;
  /** Gives a claim back after a delivery that did not succeed, so that the next try need not wait. */
  release?(alertId: string, sink: string, holder: string): Promise<void>;
  /** Flushes anything buffered and releases resources. */
  close(): Promise<void>;
}
