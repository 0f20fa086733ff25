import { createHash } from 'node:crypto';
import type { Alert, Severity } from '../../alert/alert.js';
import { alertFacts, isHttpUrl, truncate } from '../format.js';

/** Events API v2 limits: a longer summary is rejected with 400, not cut, so we cut it. */
// payloadBytes: PagerDuty documents "512 KB" without saying 1000 or 1024; below both, with room.
export const PAGERDUTY_LIMITS = { dedupKeyChars: 255, summaryChars: 1024, payloadBytes: 500_000 } as const;

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

/** Explicit, so that not everything pages as critical. */
export const PAGERDUTY_SEVERITY: Record<Severity, PagerDutySeverity> = {
  INFO: 'info',
  LOW: 'info',
  MEDIUM: 'warning',
  HIGH: 'error',
  CRITICAL: 'critical',
};

export interface PagerDutyEventOptions {
  routingKey: string;
  source?: string;
  component?: string;
  group?: string;
}

/**
 * The same alert always gives the same key, so a retry or a redelivery updates the open PagerDuty
 * alert instead of opening a second incident. Ids longer than the limit are hashed.
 */
export function dedupKey(alertId: string): string {
  if (alertId.length <= PAGERDUTY_LIMITS.dedupKeyChars) return alertId;
  return `s3-sentinel:${createHash('sha256').update(alertId).digest('hex')}`;
}

/** An Events API v2 `trigger` for one alert. */
export function triggerEvent(alert: Alert, options: PagerDutyEventOptions) {
  const facts = alertFacts(alert);
  const links = [
    ['Runbook', alert.runbook],
    ['Reference', alert.reference],
  ]
    .filter(([, href]) => href && isHttpUrl(href))
    .map(([text, href]) => ({ href: href as string, text: text as string }));
  const customDetails: Record<string, unknown> = {
    alertId: alert.alertId,
    ruleId: alert.ruleId,
    severity: alert.severity,
    description: alert.description,
    runbook: alert.runbook,
    reference: alert.reference,
    tags: alert.tags,
    reports: alert.reports,
    summary: alert.summary,
    context: alert.context,
    dedupString: alert.dedupString,
    windowStart: alert.windowStart,
    source: alert.source,
    event: alert.event,
  };
  const event = {
    routing_key: options.routingKey,
    event_action: 'trigger' as const,
    dedup_key: dedupKey(alert.alertId),
    client: 's3-sentinel',
    payload: {
      summary: truncate(`[${alert.severity}] ${alert.title}`, PAGERDUTY_LIMITS.summaryChars),
      source: options.source ?? (facts.bucket ? `s3://${facts.bucket}` : 's3-sentinel'),
      severity: PAGERDUTY_SEVERITY[alert.severity],
      timestamp: facts.eventTime,
      component: options.component ?? alert.logType,
      group: options.group ?? facts.accountId,
      class: alert.ruleId,
      custom_details: customDetails,
    },
    links,
  };
  // Keep under the 512 KB payload limit, which PagerDuty enforces with a 400 (the alert would never
  // page). The record goes first; if the rest is still too large (a code rule's alertContext can be
  // anything), the details shrink to what identifies the alert, and the summary says so.
  if (!fitsPagerDuty(event)) {
    customDetails.event = '(omitted: too large for PagerDuty)';
    if (!fitsPagerDuty(event)) {
      event.payload.custom_details = {
        alertId: alert.alertId,
        ruleId: alert.ruleId,
        severity: alert.severity,
        windowStart: alert.windowStart,
        source: alert.source,
        note: 'details omitted: too large for PagerDuty; see the other sinks or the logs for this alert id',
      };
    }
    // Still too large: the rest is rule-written (a huge runbook link, a rule id) or the source's
    // key. Links go, and each string is cut to a size that always fits.
    if (!fitsPagerDuty(event)) {
      event.links = [];
      const payload = event.payload;
      payload.source = truncate(payload.source, LAST_RESORT_CHARS);
      payload.component = truncate(payload.component, LAST_RESORT_CHARS);
      payload.class = truncate(payload.class, LAST_RESORT_CHARS);
      if (payload.group !== undefined) payload.group = truncate(payload.group, LAST_RESORT_CHARS);
      payload.custom_details = {
        alertId: alert.alertId,
        note: 'details omitted: too large for PagerDuty; see the other sinks or the logs for this alert id',
      };
    }
  }
  return event;
}

/** Each rule-written string an event keeps when nothing else made it fit. */
const LAST_RESORT_CHARS = 1024;

function fitsPagerDuty(event: object): boolean {
  return Buffer.byteLength(JSON.stringify(event)) <= PAGERDUTY_LIMITS.payloadBytes;
}

export type PagerDutyEvent = ReturnType<typeof triggerEvent>;
