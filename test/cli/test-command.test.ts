import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
interface CliResult {
  code?: number;
  stdout: string;
  stderr: string;
}
const cli = (...args: string[]): Promise<CliResult> =>
  run('npx', ['tsx', 'src/cli.ts', ...args], { cwd: process.cwd() }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: CliResult) => err,
  );

describe('s3-sentinel test', () => {
  it('passes the built-in pack, printing like panther_analysis_tool', async () => {
    const { stdout } = await cli('test', '--filter', 'RuleID=AWS.S3.ServerAccess.Insecure');
    expect(stdout).toContain(
      'AWS.S3.ServerAccess.Insecure\n\t[PASS] Secure Access to S3 Bucket\n\t[PASS] Delete Marker Call\n\t[PASS] Insecure Access to S3 Bucket\n',
    );
    expect(stdout).toMatch(/Passed: 1\n\tFailed: 0\n\tInvalid: 0/);
  });

  it("tests only the given rules with --no-builtin, as in a user's own CI", async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3s-test-only-'));
    writeFileSync(
      join(dir, 'mine.yml'),
      'AnalysisType: rule\nRuleID: Mine.Only\nLogTypes: [AWS.S3ServerAccess]\nSeverity: Low\nDetection:\n  - Key: bucket\n    Condition: Equals\n    Value: a\nTests:\n  - Name: matches a\n    ExpectedResult: true\n    Log: { bucket: a }\n',
    );
    const { code, stdout } = await cli('test', '--no-builtin', '--rules', dir);
    expect(code).toBe(0);
    expect(stdout).toContain('Mine.Only\n\t[PASS] matches a\n');
    expect(stdout).not.toContain('AWS.S3.ServerAccess');
    expect(stdout).toMatch(/Passed: 1\n\tFailed: 0/);
  });

  it('lists Python rules as skipped without failing, and signals in `rules`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3s-test-skip-'));
    // A panther-analysis checkout holds hundreds: a few are named, the rest counted.
    for (let i = 0; i < 7; i++) {
      writeFileSync(
        join(dir, `py${i}.yml`),
        `AnalysisType: rule\nRuleID: Mine.Py${i}\nLogTypes: [AWS.S3ServerAccess]\nSeverity: Low\nFilename: py.py\n`,
      );
    }
    writeFileSync(
      join(dir, 'signal.yml'),
      'AnalysisType: rule\nRuleID: Mine.Signal\nCreateAlert: false\nLogTypes: [AWS.S3ServerAccess]\nSeverity: Low\nDetection:\n  - Key: bucket\n    Condition: Equals\n    Value: a\nTests:\n  - Name: matches a\n    ExpectedResult: true\n    Log: { bucket: a }\n',
    );
    const tested = await cli('test', '--no-builtin', '--rules', dir);
    expect(tested.code).toBe(0);
    expect(tested.stdout).toMatch(
      /Passed: 1\n\tFailed: 0\n\tInvalid: 0\n\tSkipped: 7\n\t\t.*py0\.yml: Python rules/,
    );
    expect(tested.stderr.match(/^skipped rule: .*py\d\.yml: Python rules/gm)).toHaveLength(5);
    expect(tested.stderr).toContain('… and 2 more rules skipped like these (python)');
    const listed = await cli('rules', '--no-builtin', '--rules', dir);
    expect(listed.stdout).toMatch(/Mine\.Signal +LOW +60m +1 +signal /);
  });

  it('takes rules, settings and switches from a config with --config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3s-test-config-'));
    writeFileSync(
      join(dir, 'watched.yml'),
      'AnalysisType: rule\nRuleID: Mine.Watched\nLogTypes: [AWS.S3ServerAccess]\nSeverity: Low\nDetection:\n  - Key: bucket\n    Condition: IsIn\n    Values: { Setting: watchedBuckets }\nTests:\n  - Name: a watched bucket\n    ExpectedResult: true\n    Log: { bucket: payroll }\n',
    );
    const config = join(dir, 'config.yaml');
    // The sinks' secrets are not set: testing rules in CI must not need them.
    writeFileSync(
      config,
      `sinks: [{ type: slack, webhookUrl: "\${S3S_UNSET_SLACK_URL}" }]\nrules:\n  builtin: false\n  paths: [${dir}]\n  settings: { watchedBuckets: [payroll] }\n`,
    );
    const without = await cli('test', '--no-builtin', '--rules', dir);
    expect(without.code).toBe(1); // the setting is only in the config
    const tested = await cli('test', '--config', config);
    expect(tested.code).toBe(0);
    expect(tested.stdout).toContain('Mine.Watched\n\t[PASS] a watched bucket\n');
    const listed = await cli('rules', '-c', config);
    expect(listed.stdout.trim().split('\n')).toHaveLength(2); // the header and Mine.Watched
    expect((await cli('rules', '-c', join(dir, 'missing.yaml'))).code).toBe(2);
  });

  // The CI recipe in the docs: `test -c config.yaml` with the site's own settings and switches.
  it('tests every built-in rule with its own settings under a site config, disabled ones too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3s-test-site-'));
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      [
        'rules:',
        '  disabled: [AWS.S3.ServerAccess.Insecure]',
        '  settings:',
        '    allowedCidrs: [192.0.2.0/24]',
        '    authenticatedBuckets: [payroll]',
        "    protectedBuckets: { 'payroll-*': ['arn:aws:iam::111122223333:role/app'] }",
        '    largeDownloadBytes: 5368709120',
        '',
      ].join('\n'),
    );
    const tested = await cli('test', '-c', config);
    expect(tested.stderr).toBe('');
    expect(tested.code).toBe(0);
    expect(tested.stdout).toContain('AWS.S3.ServerAccess.UnknownRequester\n\t[PASS]'); // a disabled code rule
    expect(tested.stdout).toContain('AWS.S3.ServerAccess.Insecure\n\t[PASS]');
    expect(tested.stdout).toMatch(/Failed: 0/);
  });

  it('exits 1 on a failing test or an invalid rule, and lists rules', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3s-test-cmd-'));
    writeFileSync(
      join(dir, 'wrong.yml'),
      'AnalysisType: rule\nRuleID: Mine.Wrong\nLogTypes: [AWS.S3ServerAccess]\nSeverity: High\nDetection:\n  - Key: bucket\n    Condition: Equals\n    Value: a\nTests:\n  - Name: should match\n    ExpectedResult: true\n    Log: { bucket: b }\n',
    );
    writeFileSync(
      join(dir, 'invalid.yml'),
      'AnalysisType: rule\nRuleID: Mine.Invalid\nLogTypes: [AWS.S3ServerAccess]\nSeverity: High\n',
    );
    const failure = await cli('test', '--rules', dir, '--filter', 'Severity=High').catch(
      (err: { code: number; stdout: string }) => err,
    );
    expect(failure.code).toBe(1);
    expect(failure.stdout).toContain('Mine.Wrong\n\t[FAIL] should match\n');
    expect(failure.stdout).toMatch(/Failed: 1\n\t\tMine\.Wrong\n\tInvalid: 1\n\t\t.*invalid\.yml: /);
    expect(failure.stdout).toMatch(
      /invalid\.yml: Detection: a rule needs exactly one of Detection or Filename/,
    );

    const listing = await cli('rules', '--rules', dir);
    expect(listing.code).toBe(1);
    expect(listing.stdout).toMatch(/Mine\.Wrong\s+HIGH\s+60m\s+1\s+yes\s+AWS\.S3ServerAccess/);
    expect(listing.stdout).toMatch(/AWS\.S3\.ServerAccess\.Insecure\s+LOW\s+720m/);
  });

  it('fails when nothing is tested: an empty rules directory or a filter that matches no rule', async () => {
    const empty = mkdtempSync(join(tmpdir(), 's3s-test-empty-'));
    const none = await cli('test', '--no-builtin', '--rules', empty);
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(/Passed: 0\n\tFailed: 0\n\tInvalid: 0/);
    const typo = await cli('test', '--filter', 'Severity=Hihg');
    expect(typo.code).toBe(1);
  });

  it('prints the package version with --version', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(await cli('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('enforces --minimum-tests', async () => {
    const failure = await cli(
      'test',
      '--filter',
      'RuleID=AWS.S3.ServerAccess.Insecure',
      '--minimum-tests',
      '4',
    );
    expect(failure.code).toBe(1);
    expect(failure.stdout).toContain('[FAIL] has 3 tests, needs at least 4');
  });
});
