import { describe, expect, it } from 'vitest';
import type { ObjectRef } from '../../src/ingest/notifications.js';
import type { ReceivedMessage } from '../../src/ingest/sqs/index.js';
import { createMessageHandler } from '../../src/pipeline/index.js';
import type { ObjectOutcome, ObjectResult } from '../../src/pipeline/object-processor.js';

const message: ReceivedMessage = {
  messageId: 'm',
  receiptHandle: 'r',
  body: '{}',
  receiveCount: 3,
  sentTimestampMs: 0,
  receivedAtMs: 0,
};

/** A handler over objects whose reads end with the given outcomes, in order. */
function handlerFor(outcomes: Array<ObjectOutcome | 'read-failed-undelivered'>) {
  const replays: boolean[] = [];
  const handler = createMessageHandler({
    process: async (ref, _signal, options) => {
      replays.push(options?.replay === true);
      const outcome = outcomes[Number(ref.key)]!;
      const status = outcome === 'processed' || outcome === 'gone' ? 'done' : 'retry';
      const undelivered = outcome === 'undelivered' || outcome === 'read-failed-undelivered' ? 1 : 0;
      return {
        ref,
        status,
        outcome: outcome === 'read-failed-undelivered' ? 'read-failed' : outcome,
        counts: { undelivered },
      } as ObjectResult;
    },
  });
  const refs: ObjectRef[] = outcomes.map((_, index) => ({ bucket: 'logs', key: String(index) }));
  return { run: () => handler(message, refs, new AbortController().signal), replays };
}

describe('createMessageHandler', () => {
  // `unfinished`: the objects (by index) that the log names if the message is given up.
  it.each([
    [['processed', 'gone'], 'done', []],
    [['processed', 'undelivered'], 'awaiting-delivery', [1]],
    [['undelivered', 'read-failed'], 'awaiting-delivery', [0, 1]], // kept past the cap: alerts still wait
    [['read-failed', 'undelivered'], 'awaiting-delivery', [0, 1]],
    [['read-failed', 'processed'], 'retry', [0]],
    [['processed', 'gone', 'read-failed'], 'retry', [2]],
    // A read that failed half-way after opening alerts a sink has not taken: those alerts wait too.
    [['read-failed-undelivered'], 'awaiting-delivery', [0]],
    [['store-failed', 'read-failed'], 'awaiting-delivery', [0, 1]], // the dedup store is down, not the object
    [['aborted'], 'retry', [0]],
  ] as const)('objects ending %j make the message %s', async (outcomes, expected, unfinished) => {
    const { run, replays } = handlerFor([...outcomes]);
    const report = await run();
    expect(report).toEqual({
      result: expected,
      unfinished: unfinished.map((index) => ({ bucket: 'logs', key: String(index) })),
    });
    expect(replays).toEqual(outcomes.map(() => true)); // received before: read as a replay
  });
});
