import type { Logger } from '../../observe/logger.js';
import { parseNotification, type ObjectRef } from '../notifications.js';
import type { MessageAcker } from './acker.js';
import type { VisibilityHeartbeat } from './heartbeat.js';
import type { InFlightMessage } from './in-flight.js';
import type { ResolvedSqsConsumerOptions } from './options.js';
import type { HandlerResult } from './types.js';

export interface ProcessorDeps {
  options: ResolvedSqsConsumerOptions;
  acker: MessageAcker;
  heartbeat: VisibilityHeartbeat;
}

/**
 * Decides the fate of one message: parse the notification, skip what is not for us (deleted with
 * a log line saying why), run the handler under the heartbeat, delete only on `'done'`, and past
 * the receive-count cap delete what still cannot be processed. Never throws.
 */
export async function processMessage(entry: InFlightMessage, deps: ProcessorDeps): Promise<void> {
  const { options, acker } = deps;
  const { metrics, logger } = options;
  const { message } = entry;
  const log = logger.child({ messageId: message.messageId, receiveCount: message.receiveCount });
  const parsed = parseNotification(message.body, options.filter);

  if (parsed.kind === 'poison') {
    metrics.messagesPoison.inc({ reason: parsed.reason });
    if (!entry.claim()) return;
    if (options.poisonMessages === 'delete') {
      log.warn({ reason: parsed.reason, detail: parsed.detail }, 'poison message deleted');
      await acker.delete(message);
    } else {
      log.warn(
        { reason: parsed.reason, detail: parsed.detail },
        'poison message handed back for the dead-letter queue',
      );
      await acker.changeVisibility([message], 0, 'poison');
    }
    return;
  }

  for (const reason of parsed.ignored) metrics.notificationsIgnored.inc({ reason });
  const eventTimeMs = parsed.kind === 'objects' ? newest(parsed.refs) : undefined;
  const notifiedAtMs = eventTimeMs ?? message.sentTimestampMs;
  if (notifiedAtMs !== undefined) metrics.notificationLagSeconds.set((Date.now() - notifiedAtMs) / 1000);

  if (parsed.kind === 'ignored') {
    log.info(
      { envelope: parsed.envelope, ignored: parsed.ignored },
      'notification has nothing to read; deleted',
    );
    if (entry.claim()) await acker.delete(message);
    return;
  }

  const { outcome, unfinished } = await runHandler(entry, parsed.refs, deps, log);
  if (!entry.claim()) return; // handed back by shutdown meanwhile
  // Past the cap the message was handled once more. Kept only when alerts wait for a sink — also
  // deliveries a handler cut short left under way, which the handler reports as such: an object
  // that is merely too slow every time (past the visibility limit) is given up like any other.
  const overCap = options.maxReceiveCount !== undefined && message.receiveCount > options.maxReceiveCount;
  if (overCap && outcome === 'awaiting-delivery') {
    log.warn(
      { maxReceiveCount: options.maxReceiveCount, objects: objectUrls(parsed.refs) },
      'message exceeded maxReceiveCount but waits for a destination or the dedup store; kept',
    );
  } else if (overCap && outcome !== 'done') {
    metrics.messagesPoison.inc({ reason: 'receive-count-exceeded' });
    log.error(
      { maxReceiveCount: options.maxReceiveCount, objects: objectUrls(unfinished) },
      'message exceeded maxReceiveCount and its objects still cannot be processed; deleting it',
    );
    await acker.delete(message);
    return;
  }
  if (outcome === 'done') {
    // Not awaited: the delete waits up to batchDelayMs for others to share its batch, and holding
    // the concurrency slot meanwhile would idle a low-concurrency consumer. The acker tracks the
    // batch, and stop() flushes it before the consumer reports stopped.
    void acker.delete(message);
  } else {
    const reason = outcome === 'awaiting-delivery' ? 'retry' : outcome;
    if (options.retryVisibilitySeconds !== undefined) {
      await acker.changeVisibility([message], options.retryVisibilitySeconds, reason);
    } else {
      metrics.messagesReturned.inc({ reason });
    }
  }
}

async function runHandler(
  entry: InFlightMessage,
  refs: ObjectRef[],
  deps: ProcessorDeps,
  log: Logger,
): Promise<{ outcome: HandlerResult | 'handler-error'; unfinished: ObjectRef[] }> {
  const untrack = deps.heartbeat.track(entry.message, (reason) => {
    log.warn({ reason }, 'visibility no longer extended; aborting the handler, the message will come back');
    entry.controller.abort(new Error(`visibility no longer extended: ${reason}`));
  });
  try {
    const answer = await deps.options.handler(entry.message, refs, entry.signal);
    const { result, unfinished } = typeof answer === 'string' ? { result: answer, unfinished: refs } : answer;
    if (result !== 'done' && result !== 'retry' && result !== 'awaiting-delivery') {
      log.error({ result }, "handler returned neither 'done' nor 'retry'; treating it as a retry");
      return { outcome: 'retry', unfinished: refs };
    }
    return { outcome: result, unfinished };
  } catch (err) {
    log.error({ err, objects: objectUrls(refs) }, 'handler failed; the message will be delivered again');
    return { outcome: 'handler-error', unfinished: refs };
  } finally {
    untrack();
  }
}

function newest(refs: ObjectRef[]): number | undefined {
  let max: number | undefined;
  for (const ref of refs)
    if (ref.eventTimeMs !== undefined && (max === undefined || ref.eventTimeMs > max)) max = ref.eventTimeMs;
  return max;
}

function objectUrls(refs: ObjectRef[]): string[] {
  return refs.slice(0, 10).map((r) => `s3://${r.bucket}/${r.key}`);
}
