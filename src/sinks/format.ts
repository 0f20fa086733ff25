import type { Alert } from '../alert/alert.js';

/** Helpers that read the facts responders need from an alert, shared by Slack and PagerDuty. */

export interface AlertFacts {
  bucket?: string;
  key?: string;
  requester?: string;
  sourceIp?: string;
  operation?: string;
  accountId?: string;
  /** ISO 8601 time of the event (falls back to the window start). */
  eventTime: string;
}

export function alertFacts(alert: Alert): AlertFacts {
  const event = alert.event;
  const context = alert.context;
  return {
    bucket: text(event.bucket) ?? text(context.bucket),
    key: text(event.key),
    requester: text(event.requester) ?? identityText(context.userIdentity),
    sourceIp: text(event.remoteip) ?? text(context.sourceIPAddress),
    operation: text(event.operation) ?? text(context.eventName),
    accountId: text(context.recipientAccountId),
    eventTime: eventTimeIso(alert),
  };
}

/** `p_event_time` (Panther writes `2019-02-06 00:00:38.000000000`) or `time`, as ISO 8601 UTC. */
export function eventTimeIso(alert: Alert): string {
  for (const candidate of [alert.event.p_event_time, alert.event.time]) {
    const iso = toIso(candidate);
    if (iso) return iso;
  }
  return alert.windowStart;
}

function toIso(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  // Panther's form has a space and nanoseconds; Date.parse wants a T and at most milliseconds.
  const normalised = value.replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1');
  const withZone = /(Z|[+-]\d\d:?\d\d)$/.test(normalised) ? normalised : `${normalised}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function identityText(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const identity = value as Record<string, unknown>;
    return text(identity.arn) ?? text(identity.principalId);
  }
  return text(value);
}

/** Cuts `value` to `max` characters, marking the cut with an ellipsis. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max - 1;
  // Never between the two halves of a surrogate pair (an emoji): a lone half is invalid Unicode.
  if (isHighSurrogate(value.charCodeAt(end - 1))) end--;
  return `${value.slice(0, end)}…`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** True for absolute http(s) URLs, the only links worth a button. */
export function isHttpUrl(value: string): boolean {
  return /^https?:\/\/\S+$/i.test(value);
}

/** `TA0009:T1530` entries of the alert's MITRE ATT&CK report, if any. */
export function mitreTechniques(alert: Alert): string[] {
  const entry = Object.entries(alert.reports).find(([framework]) => /mitre/i.test(framework));
  return entry ? entry[1] : [];
}
