/**
 * Records, per (alert id, sink name), whether an alert reached that sink, so that a retry, a
 * redelivered SQS message or a re-scan never sends the same alert twice to a sink that has it, and
 * a sink that failed is retried without re-sending to the ones that succeeded.
 *
 * The memory ledger serves one process; the DynamoDB ledger survives restarts and is shared by
 * replicas.
 */
export type DeliveryState = 'delivered' | 'failed-permanent';

export interface DeliveryLedger {
  /** The recorded state of `alertId` at `sink`, or `undefined` when nothing is recorded. */
  get(alertId: string, sink: string): Promise<DeliveryState | undefined>;
  /** Records the final state of `alertId` at `sink`. */
  record(alertId: string, sink: string, state: DeliveryState): Promise<void>;
  /** Flushes anything buffered and releases resources. */
  close(): Promise<void>;
}
