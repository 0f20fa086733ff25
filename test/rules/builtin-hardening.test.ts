/**
 * Evasions of built-in rules a security review found: mass deletions spread over assumed-role
 * session names, and public ACLs hidden by percent-encoding. (Each rule's own `Tests` cover single
 * events; this file covers what they cannot: how matches are grouped and counted, and that the ACL
 * rule's decoder never throws.)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/alert.js';
import { loadRules } from '../../src/detect/loader.js';
import { toRuleMatch } from '../../src/detect/match.js';
import { ObjectEvent } from '../../src/detect/object-event.js';
import { ruleMatches } from '../../src/detect/rule.js';
import {
  decodeQueryComponent,
  publicAclParameter,
} from '../../rules/aws_s3/s3_sentinel_public_object_acl.mjs';

const run = promisify(execFile);
const { rules } = await loadRules();
const massDeletion = rules.find((rule) => rule.id === 'S3Sentinel.S3.MassDeletion')!;

const ROLE = 'arn:aws:sts::123456789012:assumed-role/ci-deployer';
const deletion = (bucket: string, requester: string | null) =>
  new ObjectEvent(
    { bucket, operation: 'REST.DELETE.OBJECT', httpstatus: 204, requester, time: '2026-11-30 10:00:00.000' },
    { logType: 'AWS.S3ServerAccess' },
  );

// One line of an S3 access log; `-` for an anonymous requester.
function accessLine(ms: number, bucket: string, requester: string, key: string): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const time = `[${p(d.getUTCDate())}/${month}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000]`;
  return [
    '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
    bucket,
    time,
    '203.0.113.7',
    requester,
    `REQ${ms.toString(16).toUpperCase()}${bucket.length}`,
    'REST.DELETE.OBJECT',
    key,
    `"DELETE /${key} HTTP/1.1"`,
    '204',
    '-',
    '-',
    '-',
    '12',
    '11',
    '"-"',
    '"aws-cli/2.15.0"',
    '-',
    's9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=',
    'SigV4',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'AuthHeader',
    `${bucket}.s3.us-west-1.amazonaws.com`,
    'TLSv1.2',
  ].join(' ');
}

describe('S3Sentinel.S3.MassDeletion groups by principal', () => {
  it('gives two session names of one role the same dedup string, and a title naming the role', () => {
    const a = toRuleMatch(massDeletion, deletion('backups', `${ROLE}/session-a`));
    const b = toRuleMatch(massDeletion, deletion('backups', `${ROLE}/session-b`));
    expect(a.dedupString).toBe(`backups:${ROLE}`);
    expect(b.dedupString).toBe(a.dedupString);
    expect(a.title).toBe(`Mass deletion in S3 Bucket [backups] by ${ROLE}`);
  });

  // GetFederationToken's caller names the federated user, as AssumeRole's names the session.
  it('counts every federated user of an account as one principal, per account', () => {
    const federated = (account: string, name: string) =>
      toRuleMatch(massDeletion, deletion('backups', `arn:aws:sts::${account}:federated-user/${name}`));
    expect(federated('123456789012', 'bob-0').dedupString).toBe(
      'backups:arn:aws:sts::123456789012:federated-user/*',
    );
    expect(federated('123456789012', 'bob-1').dedupString).toBe(federated('123456789012', 'x').dedupString);
    expect(federated('210987654321', 'bob-0').dedupString).not.toBe(
      federated('123456789012', 'bob-0').dedupString,
    );
  });

  it('keeps two roles, two users and other buckets apart, and other requesters whole', () => {
    const strings = [
      deletion('backups', `${ROLE}/s`),
      deletion('backups', 'arn:aws:sts::123456789012:assumed-role/other-role/s'),
      deletion('backups', 'arn:aws:sts::210987654321:assumed-role/ci-deployer/s'),
      deletion('other-bucket', `${ROLE}/s`),
      deletion('backups', 'arn:aws:iam::123456789012:user/alice'),
      deletion('backups', 'arn:aws:iam::123456789012:user/bob'),
      deletion('backups', null),
    ].map((event) => toRuleMatch(massDeletion, event).dedupString);
    expect(new Set(strings).size).toBe(strings.length);
    expect(strings.slice(4)).toEqual([
      'backups:arn:aws:iam::123456789012:user/alice',
      'backups:arn:aws:iam::123456789012:user/bob',
      'backups:', // as the former GroupBy: [bucket, requester] gave for an anonymous requester
    ]);
  });

  it('counts deletions across session names of one role towards the threshold, not across roles', async () => {
    const start = Date.UTC(2026, 10, 30, 10, 0, 0);
    const lines: string[] = [];
    for (let i = 0; i < 120; i++) {
      const ms = start + i * 1000;
      // 60 + 60 deletions by two sessions of one role: 120 ≥ 100, one alert.
      lines.push(accessLine(ms, 'one-role', `${ROLE}/session-${i < 60 ? 'a' : 'b'}`, `one/${i}`));
      // 60 + 60 deletions by two different roles: neither reaches 100.
      const role = i < 60 ? ROLE : 'arn:aws:sts::123456789012:assumed-role/other-role';
      lines.push(accessLine(ms, 'two-roles', `${role}/session-a`, `two/${i}`));
    }
    const dir = mkdtempSync(join(tmpdir(), 's3s-massdel-'));
    const file = join(dir, 'access.log');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { stdout, stderr } = await run('npx', ['tsx', 'src/cli.ts', 'scan', file], {
      cwd: process.cwd(),
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(stderr).toContain('0 parse errors, 0 rule errors');
    const alerts = stdout
      .split('\n')
      .filter(Boolean)
      .map((text) => JSON.parse(text) as Alert)
      .filter((alert) => alert.ruleId === 'S3Sentinel.S3.MassDeletion');
    expect(alerts.map((alert) => [alert.title, alert.dedupString])).toEqual([
      [`Mass deletion in S3 Bucket [one-role] by ${ROLE}`, `one-role:${ROLE}`],
    ]);
  }, 60_000);
});

describe('S3Sentinel.S3.PublicObjectACL decoding', () => {
  const publicAcl = rules.find((rule) => rule.id === 'S3Sentinel.S3.PublicObjectACL')!;
  const put = (requesturi: string) =>
    new ObjectEvent(
      { bucket: 'b', operation: 'REST.PUT.OBJECT', httpstatus: 200, requesturi },
      { logType: 'AWS.S3ServerAccess' },
    );

  it('decodes a query component once, as S3 does, keeping malformed sequences', () => {
    expect(decodeQueryComponent('public%2Dread')).toBe('public-read');
    expect(decodeQueryComponent('%70ublic-read')).toBe('public-read');
    expect(decodeQueryComponent('groups%2Fglobal/AllUsers')).toBe('groups/global/AllUsers');
    expect(decodeQueryComponent('a+b%2B')).toBe('a b+');
    expect(decodeQueryComponent('%zz%4%')).toBe('%zz%4%');
    expect(decodeQueryComponent('%2570ublic-read')).toBe('%70ublic-read'); // S3 would refuse this ACL
    expect(decodeQueryComponent('%E2%82%AC%E2%82')).toBe('€\uFFFD');
  });

  it('never throws on malformed or hostile request-URIs', () => {
    const samples = [
      '',
      '?',
      '?&&&=',
      '?=%',
      '?x-amz-acl',
      '?x-amz-acl=%',
      '?x-amz-acl=%E',
      '?x-amz-acl=%FF%FE%FD',
      '?x-amz-grant-read=%C0%80',
      `?${'%'.repeat(10_000)}`,
      `?x-amz-acl=${'%41'.repeat(20_000)}`,
      `PUT /k?${'a=%ZZ&'.repeat(5_000)}x-amz-acl=public-read HTTP/1.1`,
    ];
    for (const uri of samples) {
      expect(() => publicAclParameter(uri)).not.toThrow();
      expect(() => ruleMatches(publicAcl, put(uri))).not.toThrow();
    }
    expect(publicAclParameter(samples.at(-1)!)).toBe('x-amz-acl=public-read');
  });

  it('quotes the decoded parameter in the alert context', () => {
    const match = toRuleMatch(publicAcl, put('PUT /k?x-amz-acl=%70ublic%2Dread HTTP/1.1'));
    expect(publicAcl.helpers.alertContext?.(match.event)).toEqual({ publicAcl: 'x-amz-acl=public-read' });
  });
});
