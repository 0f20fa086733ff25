/**
 * Turns what the demo observed (stdout alerts, Slack posts, /metrics) into text for a person.
 * Pure functions: every input is passed in, every output is a list of lines.
 */
import type { Alert } from '../src/alert/alert.js';
import { alertFacts } from '../src/sinks/format.js';
import { sumBy, sumOf, type Sample } from './metrics-text.js';
import type { SlackPost } from './slack-receiver.js';

/** Metrics worth showing in the excerpt, in pipeline order. */
export const METRICS_EXCERPT = [
  's3_sentinel_sqs_messages_received_total',
  's3_sentinel_sqs_messages_deleted_total',
  's3_sentinel_sqs_messages_poison_total',
  's3_sentinel_notifications_ignored_total',
  's3_sentinel_objects_total',
  's3_sentinel_bytes_total',
  's3_sentinel_lines_total',
  's3_sentinel_parse_errors_total',
  's3_sentinel_rule_matches_total',
  's3_sentinel_alerts_emitted_total',
  's3_sentinel_alerts_suppressed_total',
  's3_sentinel_deliveries_total',
];

const count = (n: number) => n.toLocaleString('en-US');

/** Alerts among the daemon's stdout lines (the stdout sink writes one JSON alert per line). */
export function alertsFromStdout(lines: string[]): Alert[] {
  const alerts: Alert[] = [];
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      const value = JSON.parse(line) as Partial<Alert>;
      if (typeof value.ruleId === 'string' && typeof value.title === 'string') alerts.push(value as Alert);
    } catch {
      // Not an alert: the stdout sink is the only writer of JSON there, so ignore anything else.
    }
  }
  return alerts;
}

export function formatAlert(alert: Alert): string[] {
  const facts = alertFacts(alert);
  const who = [
    facts.operation,
    facts.requester && `by ${facts.requester}`,
    facts.sourceIp && `from ${facts.sourceIp}`,
    `at ${facts.eventTime}`,
  ].filter(Boolean);
  const lines = [
    `  ${alert.severity.padEnd(8)} ${alert.title}`,
    `           rule ${alert.ruleId}: ${who.join(' ')}`,
  ];
  if (alert.source && 'bucket' in alert.source) {
    lines.push(`           log line ${alert.source.line} of s3://${alert.source.bucket}/${alert.source.key}`);
  }
  return lines;
}

export function formatSlackPosts(posts: SlackPost[], url: string): string[] {
  const origin = new URL(url).origin;
  const lines = [
    `Slack (a local receiver at ${origin} standing in for hooks.slack.com) got ${posts.length} message(s):`,
  ];
  for (const post of posts) {
    const [first, ...rest] = post.text.split('\n');
    lines.push(`  • ${first}`);
    for (const line of rest.slice(0, 4)) lines.push(`    ${line}`);
    if (rest.length > 4) lines.push(`    … ${rest.length - 4} more line(s)`);
  }
  return lines;
}

export interface SummaryInput {
  objectsUploaded: number;
  linesUploaded: number;
  alerts: Alert[];
  slackPosts: number;
  samples: Sample[];
  dlqDepth: number;
  seconds: { ready: number; drained: number };
}

export function formatSummary(input: SummaryInput): string[] {
  const { samples } = input;
  const byOutcome = [...sumBy(samples, 's3_sentinel_objects_total', 'outcome')]
    .map(([outcome, n]) => `${outcome} ${count(n)}`)
    .join(', ');
  const alertsByRule = new Map<string, number>();
  for (const alert of input.alerts) alertsByRule.set(alert.ruleId, (alertsByRule.get(alert.ruleId) ?? 0) + 1);
  const poison = [...sumBy(samples, 's3_sentinel_sqs_messages_poison_total', 'reason')]
    .map(([reason, n]) => `${reason} ${count(n)}`)
    .join(', ');
  const ignored = [...sumBy(samples, 's3_sentinel_notifications_ignored_total', 'reason')]
    .map(([reason, n]) => `${reason} ${count(n)}`)
    .join(', ');
  const deliveries = [...sumBy(samples, 's3_sentinel_deliveries_total', 'sink')]
    .map(([sink, n]) => `${sink} ${count(n)}`)
    .join(', ');

  return [
    'Summary',
    `  objects    ${count(input.objectsUploaded)} uploaded; ${count(sumOf(samples, 's3_sentinel_objects_total'))} read (by outcome: ${byOutcome || 'none'})`,
    `  lines      ${count(input.linesUploaded)} uploaded; read ${count(sumOf(samples, 's3_sentinel_lines_total'))}, parse errors ${count(sumOf(samples, 's3_sentinel_parse_errors_total'))}`,
    `  matches    ${count(sumOf(samples, 's3_sentinel_rule_matches_total'))} rule matches → ${count(input.alerts.length)} alert(s), ${count(sumOf(samples, 's3_sentinel_alerts_suppressed_total'))} folded into open alerts or below a threshold`,
    ...[...alertsByRule].map(([rule, n]) => `             ${rule}: ${count(n)}`),
    `  slack      ${count(input.slackPosts)} message(s) received`,
    `  messages   received ${count(sumOf(samples, 's3_sentinel_sqs_messages_received_total'))}, deleted ${count(sumOf(samples, 's3_sentinel_sqs_messages_deleted_total'))}; ignored: ${ignored || 'none'}; poison: ${poison || 'none'}; in the DLQ: ${count(input.dlqDepth)}`,
    `  deliveries ${deliveries || 'none'}`,
    `  timing     daemon ready after ${input.seconds.ready.toFixed(1)} s; queue drained ${input.seconds.drained.toFixed(1)} s after the uploads began`,
  ];
}

/** The sample lines of the interesting metrics, as /metrics served them. */
export function metricsExcerpt(metricsText: string): string[] {
  const wanted = new Set(METRICS_EXCERPT);
  return metricsText
    .split('\n')
    .filter((line) => !line.startsWith('#') && wanted.has(line.split(/[{ ]/, 1)[0] ?? ''))
    .map((line) => `  ${line}`);
}
