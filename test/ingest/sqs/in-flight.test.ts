import { getEventListeners, setMaxListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { InFlightMessage } from '../../../src/ingest/sqs/in-flight.js';
import type { ReceivedMessage } from '../../../src/ingest/sqs/types.js';

const message = { messageId: 'm-1', receiptHandle: 'r-1', body: '{}', receiveCount: 1 } as ReceivedMessage;

describe('InFlightMessage', () => {
  it('leaves no listener on the consumer signal once disposed (no leak per message)', () => {
    const parent = new AbortController();
    setMaxListeners(50, parent.signal); // the consumer's signal does the same; keeps the run quiet
    const entries = Array.from({ length: 50 }, () => new InFlightMessage(message, parent.signal));
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(50);
    for (const entry of entries) entry.dispose();
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('aborts the handler when the consumer signal aborts', () => {
    const parent = new AbortController();
    const entry = new InFlightMessage(message, parent.signal);
    parent.abort(new Error('stop deadline passed'));
    expect(entry.signal.aborted).toBe(true);
    expect((entry.signal.reason as Error).message).toBe('stop deadline passed');
  });

  it('lets exactly one party claim the final SQS action', () => {
    const entry = new InFlightMessage(message, new AbortController().signal);
    expect([entry.claim(), entry.claim()]).toEqual([true, false]);
  });
});
