import { alertIdFor } from '../alert/alert-id.js';
import type { Alert } from '../alert/alert.js';
import { buildAlert } from '../alert/build-alert.js';
import { Deduplicator, windowStartOf, type DeduplicatorOptions } from '../alert/dedup.js';
import type { RuleMatch } from '../detect/match.js';
import type { RuleErrorLog } from '../detect/rule-errors.js';

/** Alert ids a replay remembers; one replayed object rarely opens more than a handful. */
const REPLAY_EMITTED_IDS = 1_000;

/**
 * Dedup for an object read again because its message came back (ApproximateReceiveCount > 1).
 *
 * The first read counted its matches in the dedup store, so on a second read they are
 * suppressed — including the matches whose alerts never reached a sink (the daemon was stopped or
 * a sink failed). With a store that survives restarts (DynamoDB) those alerts would be lost. Here
 * a suppressed match of a rule with Threshold 1 gives its alert again: the alert id is the same,
 * so the delivery ledger sends it only to the sinks that lack it. A rule with a higher Threshold
 * cannot be told apart from "not reached yet", so it keeps normal dedup (documented limit).
 */
export class ReplayDeduplicator extends Deduplicator {
  private readonly replayedIds = new Set<string>();
  private readonly ruleErrors: RuleErrorLog | undefined;
  /** Alerts given again by this replay. */
  replayed = 0;

  constructor(options: DeduplicatorOptions) {
    super({ emittedIds: REPLAY_EMITTED_IDS, ...options });
    this.ruleErrors = options.errors;
  }

  override async offer(match: RuleMatch): Promise<Alert | null> {
    const alert = await super.offer(match);
    if (alert) {
      this.replayedIds.add(alert.alertId);
      return alert;
    }
    const { rule, event, dedupString } = match;
    if (rule.threshold !== 1) return null;
    const windowStartMs = windowStartOf(event.eventTimeMs ?? Date.now(), rule.dedupPeriodMinutes);
    const alertId = alertIdFor(rule.id, dedupString, windowStartMs);
    if (this.replayedIds.has(alertId)) return null;
    this.replayedIds.add(alertId);
    this.replayed++;
    return buildAlert(match, { alertId, windowStartMs }, this.ruleErrors);
  }
}
