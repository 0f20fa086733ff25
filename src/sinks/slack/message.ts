import { SEVERITIES, severityRank, type Alert, type Severity } from '../../alert/alert.js';
import { alertFacts, isHttpUrl, mitreTechniques, truncate } from '../format.js';

/** Block Kit limits (api.slack.com/reference/block-kit/blocks). */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  headerChars: 150,
  sectionTextChars: 3000,
  fieldsPerSection: 10,
  fieldChars: 2000,
  contextElements: 10,
  buttonTextChars: 75,
  urlChars: 3000,
  /** `text` may be longer, but it is only the notification fallback. */
  fallbackTextChars: 3000,
} as const;

/** The colour bar of the attachment, by severity. */
export const SEVERITY_COLOURS: Record<Severity, string> = {
  INFO: '#439FE0',
  LOW: '#2EB886',
  MEDIUM: '#DAA038',
  HIGH: '#E8743B',
  CRITICAL: '#A30200',
};

type TextObject = { type: 'mrkdwn' | 'plain_text'; text: string; verbatim?: boolean };
export type SlackBlock =
  | { type: 'header'; text: TextObject }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'actions'; elements: { type: 'button'; text: TextObject; url: string }[] }
  | { type: 'divider' };

export interface SlackMessage {
  text: string;
  attachments: { color: string; blocks: SlackBlock[] }[];
}

/** Slack's mrkdwn treats `&`, `<` and `>` as control characters. */
export function escapeMrkdwn(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// `verbatim`: Slack would otherwise turn bare URLs, channel names and some mentions in the text
// into links and notifications — and most of the text (keys, user agents) is written by clients.
const mrkdwn = (text: string, max: number = SLACK_LIMITS.sectionTextChars): TextObject => ({
  type: 'mrkdwn',
  text: truncateEscaped(text, max),
  verbatim: true,
});

/** `truncate` for escaped text: never ends in part of an entity (`&am…` would show as such). */
function truncateEscaped(text: string, max: number): string {
  const cut = truncate(text, max);
  if (cut === text) return cut;
  const partial = /&[a-z]{0,3}…$/.exec(cut);
  return partial ? `${cut.slice(0, partial.index)}…` : cut;
}

/** The fallback line used in notifications: `[HIGH] Title (Rule.Id)`. */
export function fallbackText(alert: Alert): string {
  return truncateEscaped(
    escapeMrkdwn(`[${alert.severity}] ${alert.title} (${alert.ruleId})`),
    SLACK_LIMITS.fallbackTextChars,
  );
}

/**
 * One alert as a message a responder can act on without opening anything else: title, severity,
 * rule, where and who (bucket, key, requester, IP, operation, event time), the summary attributes,
 * MITRE techniques, and runbook and reference links.
 */
export function alertMessage(alert: Alert): SlackMessage {
  const facts = alertFacts(alert);
  const fieldEntries: [string, string | undefined][] = [
    ['Severity', alert.severity],
    ['Rule', `\`${escapeMrkdwn(alert.ruleId)}\``],
    ['Bucket', facts.bucket],
    ['Key', facts.key],
    ['Requester', facts.requester],
    ['Source IP', facts.sourceIp],
    ['Operation', facts.operation],
    ['Event time', facts.eventTime],
  ];
  const fields = fieldEntries
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .slice(0, SLACK_LIMITS.fieldsPerSection)
    .map(([label, value]) =>
      mrkdwn(`*${label}*\n${label === 'Rule' ? value : escapeMrkdwn(value)}`, SLACK_LIMITS.fieldChars),
    );

  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncate(alert.title.trim() || alert.ruleId, SLACK_LIMITS.headerChars),
      },
    },
    { type: 'section', fields },
  ];
  const description = alert.description.trim();
  if (description) blocks.push({ type: 'section', text: mrkdwn(escapeMrkdwn(description)) });

  const summaryLines = Object.entries(alert.summary).map(
    ([name, value]) => `• *${escapeMrkdwn(name)}*: ${escapeMrkdwn(displayValue(value))}`,
  );
  if (summaryLines.length > 0)
    blocks.push({ type: 'section', text: mrkdwn(`*Summary*\n${summaryLines.join('\n')}`) });

  if (alert.runbook && !isHttpUrl(alert.runbook)) {
    blocks.push({ type: 'section', text: mrkdwn(`*Runbook*\n${escapeMrkdwn(alert.runbook)}`) });
  }

  const context: TextObject[] = [];
  const mitre = mitreTechniques(alert);
  if (mitre.length > 0) context.push(mrkdwn(`MITRE ATT&amp;CK: ${escapeMrkdwn(mitre.join(', '))}`));
  if (alert.tags.length > 0) context.push(mrkdwn(`Tags: ${escapeMrkdwn(alert.tags.join(', '))}`));
  context.push(mrkdwn(`Alert \`${escapeMrkdwn(alert.alertId)}\``));
  blocks.push({ type: 'context', elements: context.slice(0, SLACK_LIMITS.contextElements) });

  const buttons = [
    ['Runbook', alert.runbook],
    ['Reference', alert.reference],
  ]
    .filter(([, url]) => url && isHttpUrl(url) && url.length <= SLACK_LIMITS.urlChars)
    .map(([label, url]) => ({
      type: 'button' as const,
      text: { type: 'plain_text' as const, text: label as string },
      url: url as string,
    }));
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });

  return { text: fallbackText(alert), attachments: [{ color: SEVERITY_COLOURS[alert.severity], blocks }] };
}

/**
 * Several alerts as one message, used when alerts queue up faster than Slack's pace allows: one
 * line each with severity, title, rule, bucket/key and event time. The caller keeps the number of
 * alerts below the block limit; the colour is that of the most severe.
 */
export function digestMessage(alerts: Alert[]): SlackMessage {
  const highest = alerts.reduce<Severity>(
    (max, alert) => (severityRank(alert.severity) > severityRank(max) ? alert.severity : max),
    'INFO',
  );
  const counts = [...SEVERITIES]
    .reverse()
    .map((severity) => [severity, alerts.filter((a) => a.severity === severity).length] as const)
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => `${count} ${severity}`)
    .join(', ');
  const title = `${alerts.length} s3-sentinel alerts (${counts})`;
  const maxItems = SLACK_LIMITS.blocksPerMessage - 3;
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(title, SLACK_LIMITS.headerChars) } },
  ];
  for (const alert of alerts.slice(0, maxItems)) {
    const facts = alertFacts(alert);
    const where = [
      facts.bucket && facts.key ? `${facts.bucket}/${facts.key}` : facts.bucket,
      facts.requester,
      facts.sourceIp,
    ]
      .filter((part): part is string => Boolean(part))
      .map(escapeMrkdwn);
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `*[${alert.severity}] ${escapeMrkdwn(alert.title)}*\n\`${escapeMrkdwn(alert.ruleId)}\` · ${[...where, facts.eventTime].join(' · ')}`,
      ),
    });
  }
  if (alerts.length > maxItems) {
    blocks.push({ type: 'context', elements: [mrkdwn(`…and ${alerts.length - maxItems} more`)] });
  }
  blocks.push({
    type: 'context',
    elements: [mrkdwn('Alerts arrived faster than Slack accepts messages, so they are grouped into one.')],
  });
  return {
    text: truncateEscaped(
      escapeMrkdwn(`${title}: ${alerts.map((a) => a.title).join('; ')}`),
      SLACK_LIMITS.fallbackTextChars,
    ),
    attachments: [{ color: SEVERITY_COLOURS[highest], blocks }],
  };
}

function displayValue(value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
