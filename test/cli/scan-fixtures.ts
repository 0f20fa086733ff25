/**
 * Access log lines and a small rule pack for the `scan` delivery and backfill tests. The rules are
 * the tests' own (not the built-in pack), so severities and dedup keys are known here.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Alert } from '../../src/alert/alert.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function accessLogTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `[${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000]`;
}

export interface LineSpec {
  ms: number;
  bucket: string;
  operation: 'REST.GET.OBJECT' | 'REST.DELETE.OBJECT';
  insecure: boolean;
}

export function accessLine({ ms, bucket, operation, insecure }: LineSpec): string {
  const method = operation === 'REST.GET.OBJECT' ? 'GET' : 'DELETE';
  return [
    '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
    bucket,
    accessLogTime(ms),
    '192.0.2.3',
    'arn:aws:iam::123456789012:user/alice',
    '3E57427F33A59F07',
    operation,
    'photos/cat.jpg',
    `"${method} /${bucket}/photos/cat.jpg HTTP/1.1"`,
    operation === 'REST.GET.OBJECT' ? '200' : '204',
    '-',
    '113',
    '113',
    '7',
    '6',
    '"-"',
    '"curl/8.5.0"',
    '-',
    's9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=',
    'SigV4',
    insecure ? '-' : 'ECDHE-RSA-AES128-GCM-SHA256',
    'AuthHeader',
    `${bucket}.s3.us-west-2.amazonaws.com`,
    insecure ? '-' : 'TLSv1.2',
  ].join(' ');
}

export const START_MS = Date.UTC(2024, 2, 10, 3, 17);
export const HOUR_MS = 3_600_000;
const BUCKETS = ['alpha', 'beta', 'gamma'];

/** `count` lines over 5 hours, out of order: some insecure, some deletions, the rest quiet. */
export function lineSpecs(count: number): LineSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    ms: START_MS + ((i * 7_919_003) % (5 * HOUR_MS)),
    bucket: BUCKETS[i % 3] as string,
    operation: i % 7 === 3 ? 'REST.DELETE.OBJECT' : 'REST.GET.OBJECT',
    insecure: i % 5 === 1,
  }));
}

export const INSECURE_RULE = 'Test.Scan.Insecure';
export const DELETE_RULE = 'Test.Scan.Delete';
export const DISABLED_RULE = 'Test.Scan.EveryGet';

/** The alerts `specs` must give, as `rule bucket windowStartMs` (every rule dedups per bucket per hour). */
export function expectedAlertKeys(specs: LineSpec[]): string[] {
  const keys = new Set<string>();
  const hour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
  for (const spec of specs) {
    if (spec.insecure) keys.add(`${INSECURE_RULE} ${spec.bucket} ${hour(spec.ms)}`);
    if (spec.operation === 'REST.DELETE.OBJECT') keys.add(`${DELETE_RULE} ${spec.bucket} ${hour(spec.ms)}`);
  }
  return [...keys].sort();
}

export function alertKey(alert: Alert): string {
  return `${alert.ruleId} ${(alert.event as { bucket: string }).bucket} ${Date.parse(alert.windowStart)}`;
}

const rule = (id: string, severity: string, detection: string, title: string) => `AnalysisType: rule
RuleID: "${id}"
Enabled: true
LogTypes: [AWS.S3ServerAccess]
Severity: ${severity}
DedupPeriodMinutes: 60
Detection:
${detection}
AlertTitle: "${title}"
`;

/** A directory with the three test rules: LOW insecure access, HIGH deletion, CRITICAL every GET. */
export function writeTestRules(): string {
  const dir = mkdtempSync(join(tmpdir(), 's3s-scan-rules-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'insecure.yml'),
    rule(
      INSECURE_RULE,
      'Low',
      '  - Key: ciphersuite\n    Condition: IsNullOrEmpty',
      'Insecure access to [{bucket}]',
    ),
  );
  writeFileSync(
    join(dir, 'delete.yml'),
    rule(
      DELETE_RULE,
      'High',
      '  - Key: operation\n    Condition: Equals\n    Value: REST.DELETE.OBJECT',
      'Object deleted in [{bucket}]',
    ),
  );
  writeFileSync(
    join(dir, 'every-get.yml'),
    rule(
      DISABLED_RULE,
      'Critical',
      '  - Key: operation\n    Condition: Equals\n    Value: REST.GET.OBJECT',
      'Read from [{bucket}]',
    ),
  );
  return dir;
}

/** A writable that keeps what it was given, for the stdout sink. */
export function captureStream(): { stream: Writable; alerts: () => Alert[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    alerts: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((text) => JSON.parse(text) as Alert),
  };
}
