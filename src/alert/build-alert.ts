/**
 * Builds the alert contract (src/alert/alert.ts) for a match that dedup decided to emit: the rule's
 * static metadata, overridden by its helpers where they return something (a throwing helper falls
 * back to the static value), the log type's standard context merged with the rule's own, and the
 * rule's SummaryAttributes looked up case-insensitively.
 */
import { callHelper, type RuleMatch } from '../detect/match.js';
import type { RuleErrorLog } from '../detect/rule-errors.js';
import { compileAccessor, parseKeyPath } from '../detect/simple/key-path.js';
import type { LogEvent } from '../logs/event.js';
import { s3AccessAlertContext } from '../logs/s3-access/context.js';
import { redactPresignedSecrets } from '../logs/s3-access/presigned.js';
import { SEVERITIES, type Alert, type Severity } from './alert.js';

/** The standard alert context of each log type. */
const CONTEXT_BY_LOG_TYPE: Record<string, (event: LogEvent) => Record<string, unknown>> = {
  'AWS.S3ServerAccess': s3AccessAlertContext,
};

/**
 * What each log type leaves out of every string an alert carries (see presigned.ts). Applied to the
 * built alert, after dedup: the dedup key and alert id are those of the raw values, so they stay
 * the same whatever is redacted.
 */
const REDACT_BY_LOG_TYPE: Record<string, <T>(value: T) => T> = {
  'AWS.S3ServerAccess': redactPresignedSecrets,
};

export function standardContext(event: LogEvent): Record<string, unknown> {
  return CONTEXT_BY_LOG_TYPE[event.logType]?.(event) ?? {};
}

export function summaryOf(attributes: readonly string[], event: LogEvent): Record<string, unknown> {
  const summary: Record<string, unknown> = {};
  for (const attribute of attributes) {
    let value: unknown;
    try {
      value = compileAccessor(parseKeyPath(attribute), attribute).read(event);
    } catch {
      value = event.get(attribute);
    }
    summary[attribute] = value ?? null;
  }
  return summary;
}

function asSeverity(value: unknown): Severity | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.toUpperCase();
  return (SEVERITIES as readonly string[]).includes(upper) ? (upper as Severity) : undefined;
}

function asText(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/** A helper's value for a log message; never throws. */
function describeValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

/**
 * `value` when it can be written as JSON (every sink does), else `undefined` after `report()`: a
 * circular or BigInt-holding context would otherwise fail every delivery of the alert, forever.
 */
function serializableOrReported(value: unknown, report: () => void): unknown {
  if (value === undefined) return undefined;
  try {
    JSON.stringify(value);
    return value;
  } catch {
    report();
    return undefined;
  }
}

export interface AlertWindow {
  alertId: string;
  windowStartMs: number;
}

export function buildAlert(match: RuleMatch, window: AlertWindow, errors?: RuleErrorLog): Alert {
  const { rule, event } = match;
  const severityValue = callHelper(rule, 'severity', event, errors);
  const severity = asSeverity(severityValue) ?? rule.severity;
  if (
    severityValue !== undefined &&
    !asSeverity(severityValue) &&
    !(typeof severityValue === 'string' && severityValue.toUpperCase() === 'DEFAULT')
  ) {
    errors?.report(
      rule.id,
      'severity',
      new Error(`returned ${describeValue(severityValue)}, not a severity`),
    );
  }
  const ruleContext = serializableOrReported(callHelper(rule, 'alertContext', event, errors), () =>
    errors?.report(rule.id, 'alertContext', new Error('returned a value that cannot be written as JSON')),
  );
  const destinations = callHelper(rule, 'destinations', event, errors);
  const alert: Alert = {
    alertId: window.alertId,
    ruleId: rule.id,
    title: match.title,
    severity,
    dedupString: match.dedupString,
    dedupPeriodMinutes: rule.dedupPeriodMinutes,
    windowStart: new Date(window.windowStartMs).toISOString(),
    logType: event.logType,
    description: asText(callHelper(rule, 'description', event, errors), rule.description),
    runbook: asText(callHelper(rule, 'runbook', event, errors), rule.runbook),
    reference: asText(callHelper(rule, 'reference', event, errors), rule.reference),
    tags: rule.tags,
    reports: rule.reports,
    summary: summaryOf(rule.summaryAttributes, event),
    context: {
      ...standardContext(event),
      ...(ruleContext !== null && typeof ruleContext === 'object' && !Array.isArray(ruleContext)
        ? ruleContext
        : {}),
    },
    event: event.toJSON(),
    source: event.source ?? null,
  };
  if (Array.isArray(destinations) && destinations.every((name) => typeof name === 'string')) {
    alert.destinations = destinations;
  }
  return REDACT_BY_LOG_TYPE[event.logType]?.(alert) ?? alert;
}
