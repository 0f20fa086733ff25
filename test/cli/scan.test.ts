import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/alert.js';
import { accessLine } from './scan-fixtures.js';

const run = promisify(execFile);
// One GET of `bucket` at `ms`, over plain HTTP when `insecure`.
const line = (ms: number, bucket: string, insecure: boolean): string =>
  accessLine({ ms, bucket, operation: 'REST.GET.OBJECT', insecure });

async function scan(...paths: string[]) {
  const { stdout, stderr } = await run('npx', ['tsx', 'src/cli.ts', 'scan', ...paths], {
    cwd: process.cwd(),
    maxBuffer: 64 * 1024 * 1024,
  });
  const alerts = stdout
    .split('\n')
    .filter(Boolean)
    .map((text) => JSON.parse(text) as Alert);
  return { alerts, stderr };
}

describe('s3-sentinel scan', () => {
  // Done when: insecure accesses to several buckets over more than 12 hours, out of order, give
  // exactly one Insecure alert per bucket per 720-minute window — again on a second run and when
  // the file is given twice.
  const start = Date.UTC(2024, 2, 10, 3, 17); // windows: 00:00–12:00, 12:00–24:00, 00:00–12:00 next day
  const buckets = ['alpha', 'beta', 'gamma'];
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) {
    const ms = start + ((i * 7_919_003) % (30 * 3_600_000)); // scattered over 30 hours, out of order
    lines.push(line(ms, buckets[i % 3]!, i % 4 !== 0), line(ms, buckets[i % 3]!, false));
  }
  lines.splice(17, 0, 'this is not an access log line');
  const dir = mkdtempSync(join(tmpdir(), 's3s-scan-'));
  const file = join(dir, 'access.log');
  writeFileSync(file, `${lines.join('\n')}\n`);

  const expectedWindows = new Set<string>();
  for (let i = 0; i < 300; i++) {
    if (i % 4 === 0) continue;
    const ms = start + ((i * 7_919_003) % (30 * 3_600_000));
    expectedWindows.add(`${buckets[i % 3]} ${Math.floor(ms / 43_200_000) * 43_200_000}`);
  }

  const insecureKeys = (alerts: Alert[]) =>
    alerts
      .filter((alert) => alert.ruleId === 'AWS.S3.ServerAccess.Insecure')
      .map((alert) => `${(alert.context as { bucket: string }).bucket} ${Date.parse(alert.windowStart)}`)
      .sort();

  it('emits exactly one Insecure alert per bucket per 720-minute window, the same on every run', async () => {
    const first = await scan(file);
    const keys = insecureKeys(first.alerts);
    expect(keys).toEqual([...expectedWindows].sort());
    expect(keys.length).toBeGreaterThanOrEqual(9);
    expect(first.stderr).toMatch(/access\.log:18: /);
    expect(first.stderr).toMatch(
      /scan: 601 lines, 600 records, 1 parse errors, 0 rule errors, \d+ matches, \d+ alerts/,
    );

    const alert = first.alerts.find((a) => a.ruleId === 'AWS.S3.ServerAccess.Insecure')!;
    expect(alert).toMatchObject({
      title: `Insecure access to S3 Bucket [${(alert.context as { bucket: string }).bucket}]`,
      severity: 'LOW',
      dedupPeriodMinutes: 720,
      logType: 'AWS.S3ServerAccess',
      context: {
        eventName: 'REST.GET.OBJECT',
        eventSource: 's3.amazonaws.com',
        awsRegion: 'us-west-2',
        sourceIPAddress: '192.0.2.3',
        userIdentity: 'arn:aws:iam::123456789012:user/alice',
        recipientAccountId: null,
      },
      source: { file },
    });
    expect(alert.summary).toMatchObject({ userAgent: 'curl/8.5.0', operation: 'REST.GET.OBJECT' });

    const second = await scan(file);
    expect(second.alerts.map((a) => a.alertId).sort()).toEqual(first.alerts.map((a) => a.alertId).sort());

    const twice = await scan(file, file);
    expect(twice.alerts.map((a) => a.alertId).sort()).toEqual(first.alerts.map((a) => a.alertId).sort());
    expect(twice.stderr).toMatch(/scan: 1202 lines/);
  });

  it('exits 1 when a rule file does not load, after scanning with the rules that did', async () => {
    const file = join(dir, 'one-insecure.log');
    writeFileSync(file, `${line(Date.UTC(2026, 0, 1), 'b', true)}\n`);
    const rules = mkdtempSync(join(tmpdir(), 's3s-scan-badrule-'));
    writeFileSync(join(rules, 'bad.yml'), 'AnalysisType: rule\nRuleID: Bad\nSeverity: Loud\n');
    const failure = await run('npx', ['tsx', 'src/cli.ts', 'scan', '--rules', rules, file], {
      cwd: process.cwd(),
    }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    expect(failure).toMatchObject({ code: 1, stderr: expect.stringMatching(/bad\.yml: /) });
    expect((failure as { stdout: string }).stdout).toMatch(/AWS\.S3\.ServerAccess\.Insecure/); // built-ins ran
  });

  // A backfill with the site's rules volume not mounted must not run on the built-ins alone.
  it('exits 2 before reading anything when a rules directory cannot be read', async () => {
    const file = join(dir, 'one-insecure.log');
    writeFileSync(file, `${line(Date.UTC(2026, 0, 1), 'b', true)}\n`);
    const failure = await run(
      'npx',
      ['tsx', 'src/cli.ts', 'scan', '--rules', join(dir, 'no-such-rules'), file],
      { cwd: process.cwd() },
    ).catch((err: { code: number; stdout: string; stderr: string }) => err);
    expect(failure).toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringMatching(/no-such-rules: cannot read rules: ENOENT; nothing was read/),
    });
  });

  it('shows the first 20 bad or too-long lines on stderr and only counts the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3s-scan-long-'));
    const file = join(dir, 'long.log');
    writeFileSync(file, `${'x'.repeat(70_000)}\n`.repeat(30) + 'not a log line\n'.repeat(30));
    const { stderr } = await scan(file);
    const shown = stderr.split('\n').filter((text) => text.startsWith(`${file}:`));
    expect(shown).toHaveLength(20);
    expect(shown[0]).toBe(`${file}:1: line of 70000 bytes is too long, skipped`);
    expect(stderr).toContain('further parse errors are counted but not shown');
    expect(stderr).toMatch(/60 lines, 0 records, 60 parse errors/);
  });

  it('says so when a directory holds no input', async () => {
    const empty = join(dir, 'empty-dir');
    await mkdir(empty);
    const { alerts, stderr } = await scan(empty);
    expect(alerts).toEqual([]);
    expect(stderr).toContain(`s3-sentinel scan: no input found in ${empty}`);
  });

  it('exits 2 naming a path that does not exist', async () => {
    await expect(scan(join(dir, 'missing.log'))).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/missing\.log: no such file/),
    });
  });
});
