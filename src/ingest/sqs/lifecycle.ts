import { setMaxListeners } from 'node:events';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import PQueue from 'p-queue';
import { MessageAcker } from './acker.js';
import { VisibilityHeartbeat } from './heartbeat.js';
import { InFlightMessage } from './in-flight.js';
import {
  resolveSqsConsumerOptions,
  type ResolvedSqsConsumerOptions,
  type SqsConsumerOptions,
} from './options.js';
import { PollLoop } from './poller.js';
import { processMessage } from './processor.js';
import type { ReceivedMessage, StopOptions } from './types.js';

export type ConsumerState = 'idle' | 'running' | 'stopping' | 'stopped';

export interface ConsumerStatus {
  state: ConsumerState;
  inFlight: number;
  consecutiveReceiveErrors: number;
  lastReceiveOkAtMs: number | undefined;
}

/** Listeners beyond one per in-flight message: the acker, the heartbeat, the poll. */
const LISTENER_SLACK = 16;

export class SqsConsumerError extends Error {
  readonly code = 'ERR_SQS_QUEUE';
}

// A long poll still under way this long after its wait time has stalled.
const POLL_SLACK_SECONDS = 5;

// After this many failed receives in a row the consumer reports itself unhealthy (/readyz).
const UNHEALTHY_AFTER_ERRORS = 3;

interface Run {
  /** Per start: passed to every SDK call; aborted once stop() has drained. */
  run: AbortController;
  /** Aborted at stop(): no new poll starts. */
  stopPolling: AbortController;
  /** Aborted when the poll under way outlives its bound at stop(). */
  abortPoll: AbortController;
  /** Aborted at the stop deadline: handlers still running are given up. */
  work: AbortController;
  queue: PQueue;
  acker: MessageAcker;
  heartbeat: VisibilityHeartbeat;
  loop: PollLoop;
  loopDone: Promise<void>;
  inFlight: Set<InFlightMessage>;
  handingBack: Set<Promise<void>>;
}

/**
 * The SQS consumer: `start()` checks the queue and starts polling; `stop({ deadline })` stops
 * receiving at once, lets in-flight handlers finish until the deadline, hands the rest back with
 * visibility 0, flushes pending deletes, and resolves when all that is done.
 */
export class SqsConsumer {
  private readonly options: ResolvedSqsConsumerOptions;
  private state: ConsumerState = 'idle';
  private current: Run | undefined;
  private stopping: Promise<void> | undefined;

  constructor(options: SqsConsumerOptions) {
    this.options = resolveSqsConsumerOptions(options);
  }

  /** Fails fast (SqsConsumerError) when the queue cannot be read; then polls in the background. */
  async start(): Promise<void> {
    if (this.state === 'running' || this.state === 'stopping')
      throw new SqsConsumerError('consumer already started');
    const run = new AbortController();
    await this.checkQueue(run.signal);
    const { options } = this;
    const common = {
      client: options.client,
      queueUrl: options.queueUrl,
      metrics: options.metrics,
      logger: options.logger,
    };
    const queue = new PQueue({ concurrency: options.concurrency });
    const acker = new MessageAcker({
      ...common,
      batchDelayMs: options.deleteBatchDelayMs,
      signal: run.signal,
    });
    const heartbeat = new VisibilityHeartbeat({
      ...common,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      intervalSeconds: options.visibilityHeartbeatSeconds,
      maxInFlightSeconds: options.maxInFlightSeconds,
      signal: run.signal,
    });
    const work = new AbortController();
    // Every in-flight message listens on `work` (and SQS calls on `run`), so up to `concurrency` of
    // them at once is normal, not a leak: raise Node's warning threshold to match.
    setMaxListeners(options.concurrency + LISTENER_SLACK, work.signal, run.signal);
    const current: Run = {
      run,
      stopPolling: new AbortController(),
      abortPoll: new AbortController(),
      work,
      queue,
      acker,
      heartbeat,
      inFlight: new Set(),
      handingBack: new Set(),
      loopDone: Promise.resolve(),
      loop: new PollLoop({
        ...common,
        waitTimeSeconds: options.waitTimeSeconds,
        maxMessages: options.maxMessages,
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
        pollErrorBackoffMs: options.pollErrorBackoffMs,
        pollErrorBackoffMaxMs: options.pollErrorBackoffMaxMs,
        waitForCapacity: (signal) => this.waitForCapacity(current, signal),
        dispatch: (messages) => this.dispatch(current, messages),
      }),
    };
    this.current = current;
    this.state = 'running';
    this.stopping = undefined;
    current.loopDone = current.loop.start({
      stop: current.stopPolling.signal,
      abort: AbortSignal.any([run.signal, current.abortPoll.signal]),
    });
    options.logger.info(
      {
        queueUrl: options.queueUrl,
        concurrency: options.concurrency,
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      },
      'SQS consumer started',
    );
  }

  /** Idempotent; a second call returns the first call's promise. */
  stop(stopOptions: StopOptions = {}): Promise<void> {
    if (!this.current || this.state === 'stopped' || this.state === 'idle') return Promise.resolve();
    this.stopping ??= this.drain(this.current, stopOptions.deadline ?? Date.now());
    return this.stopping;
  }

  status(): ConsumerStatus {
    const loop = this.current?.loop.status;
    return {
      state: this.state,
      inFlight: this.current?.inFlight.size ?? 0,
      consecutiveReceiveErrors: loop?.consecutiveErrors ?? 0,
      lastReceiveOkAtMs: loop?.lastReceiveOkAtMs,
    };
  }

  /** For /readyz: polling, and the last receives did not all fail. */
  isHealthy(): boolean {
    return (
      this.state === 'running' && (this.current?.loop.status.consecutiveErrors ?? 0) < UNHEALTHY_AFTER_ERRORS
    );
  }

  private async drain(current: Run, deadline: number): Promise<void> {
    const { logger, metrics, queueUrl } = this.options;
    this.state = 'stopping';
    current.stopPolling.abort(new Error('consumer stopping'));
    // Let the long poll under way return rather than abort it (see PollLoop); its messages are
    // handed back by dispatch(). A poll that outlives its own wait time has stalled: abort it.
    const pollBound = Math.max(
      deadline,
      Date.now() + (this.options.waitTimeSeconds + POLL_SLACK_SECONDS) * 1000,
    );
    if (!(await raceDeadline(current.loopDone, pollBound))) {
      current.abortPoll.abort(new Error('long poll stalled during stop'));
      await current.loopDone;
    }
    await Promise.all([...current.handingBack]);

    // Received but not started: nothing was done with them, give them back at once.
    const notStarted = [...current.inFlight].filter((e) => !e.started && e.claim());
    current.queue.clear();
    for (const e of notStarted) this.release(current, e);
    if (notStarted.length > 0)
      await current.acker.changeVisibility(
        notStarted.map((e) => e.message),
        0,
        'shutdown',
      );

    const drained = await raceDeadline(current.queue.onIdle(), deadline);
    if (!drained) {
      const givenUp = [...current.inFlight].filter((e) => e.claim());
      logger.warn(
        { queueUrl, messages: givenUp.length },
        'stop deadline passed; handing in-flight messages back',
      );
      current.work.abort(new Error('stop deadline passed'));
      await current.acker.changeVisibility(
        givenUp.map((e) => e.message),
        0,
        'shutdown',
      );
      await raceDeadline(current.queue.onIdle(), Date.now() + this.options.abortGraceMs);
    }
    await current.acker.flush();
    current.heartbeat.stopAll();
    current.run.abort(new Error('consumer stopped'));
    metrics.messagesInFlight.dec(current.inFlight.size);
    current.inFlight.clear();
    this.state = 'stopped';
    logger.info({ queueUrl }, 'SQS consumer stopped');
  }

  private dispatch(current: Run, messages: ReceivedMessage[]): void {
    if (current.stopPolling.signal.aborted) {
      // The last poll returned after stop(): nothing will be started, give them back at once.
      const handBack = current.acker.changeVisibility(messages, 0, 'shutdown');
      current.handingBack.add(handBack);
      return;
    }
    for (const message of messages) {
      const entry = new InFlightMessage(message, current.work.signal);
      current.inFlight.add(entry);
      this.options.metrics.messagesInFlight.inc();
      void current.queue.add(async () => {
        if (!current.inFlight.has(entry)) return; // handed back by stop() before it started
        entry.started = true;
        try {
          await processMessage(entry, {
            options: this.options,
            acker: current.acker,
            heartbeat: current.heartbeat,
          });
        } catch (err) {
          // processMessage catches everything; this is the last line of defence for the loop.
          this.options.logger.error(
            { err, messageId: message.messageId },
            'unexpected error processing a message',
          );
        } finally {
          this.release(current, entry);
        }
      });
    }
  }

  private release(current: Run, entry: InFlightMessage): void {
    entry.dispose();
    if (current.inFlight.delete(entry)) this.options.metrics.messagesInFlight.dec();
  }

  /** Resolves with the number of free slots once there is at least one. */
  private async waitForCapacity(current: Run, signal: AbortSignal): Promise<number> {
    while (!signal.aborted) {
      const free = this.options.concurrency - current.inFlight.size;
      if (free > 0) return free;
      await new Promise<void>((resolve) => {
        const done = () => {
          current.queue.off('next', done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        current.queue.on('next', done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
    return 0;
  }

  private async checkQueue(signal: AbortSignal): Promise<void> {
    const { client, queueUrl, logger, maxReceiveCount, poisonMessages } = this.options;
    let redrive: string | undefined;
    try {
      const response = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
        { abortSignal: signal },
      );
      redrive = response.Attributes?.RedrivePolicy;
    } catch (err) {
      throw new SqsConsumerError(
        `cannot read SQS queue ${queueUrl}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`,
        { cause: err },
      );
    }
    if (!redrive && poisonMessages === 'dead-letter') {
      throw new SqsConsumerError(
        `poisonMessages is 'dead-letter' but queue ${queueUrl} has no redrive policy: poison messages would loop forever`,
      );
    }
    if (!redrive && maxReceiveCount === undefined) {
      logger.warn(
        { queueUrl },
        'queue has no redrive policy and maxReceiveCount is not set: a message that always fails is retried until it expires',
      );
    }
  }
}

/** Resolves true if `work` settles before `deadline` (epoch ms), false otherwise. */
async function raceDeadline(work: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
