import type { SourceRef } from '../logs/event.js';

export const SEVERITIES = ['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Orders severities so sinks can filter with `minSeverity`. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/**
 * One alert: the alert contract of the architecture page. This exact JSON is what the stdout, file
 * and webhook sinks emit.
 */
export interface Alert {
  /** Stable: the same rule, dedup string and window always give the same id. */
  alertId: string;
  ruleId: string;
  title: string;
  severity: Severity;
  dedupString: string;
  dedupPeriodMinutes: number;
  /** ISO 8601 start of the event-time window the alert belongs to. */
  windowStart: string;
  logType: string;
  description: string;
  runbook: string;
  reference: string;
  tags: string[];
  /** e.g. `{ "MITRE ATT&CK": ["TA0009:T1530"] }` */
  reports: Record<string, string[]>;
  /** The rule's SummaryAttributes with their values from the event. */
  summary: Record<string, unknown>;
  /** Alert context: eventName, eventSource, awsRegion, recipientAccountId, sourceIPAddress, … */
  context: Record<string, unknown>;
  /** The full record that opened (or, with a Threshold, completed) the alert. */
  event: Record<string, unknown>;
  source: SourceRef | null;
  /** Sink names a code rule's `destinations()` chose; absent means every matching sink. */
  destinations?: string[];
}
