import type { ReceivedMessage } from './types.js';

/**
 * One message between receipt and its final SQS action (delete, hand-back, or leaving it to time
 * out). Exactly one party takes that action: the handler's outcome or the shutdown path, whichever
 * claims the message first.
 */
export class InFlightMessage {
  readonly controller: AbortController;
  private claimed = false;
  started = false;

  constructor(
    readonly message: ReceivedMessage,
    parentSignal: AbortSignal,
  ) {
    this.controller = new AbortController();
    // Stopping the consumer past its deadline aborts every handler through the parent signal.
    const onAbort = () => this.controller.abort(parentSignal.reason);
    if (parentSignal.aborted) onAbort();
    else parentSignal.addEventListener('abort', onAbort, { once: true });
    // The parent signal lives as long as the consumer runs: without this, every message would
    // leave a listener on it for good (a leak, and Node's MaxListenersExceededWarning).
    this.dispose = () => parentSignal.removeEventListener('abort', onAbort);
    this.controller.signal.addEventListener('abort', this.dispose, { once: true });
  }

  /** Detaches from the parent signal; call once the message has left the consumer. */
  readonly dispose: () => void;

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True for the first caller only: it owns the message's final SQS action. */
  claim(): boolean {
    if (this.claimed) return false;
    this.claimed = true;
    return true;
  }
}
