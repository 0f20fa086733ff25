import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfiguredRules } from '../../src/detect/configured-rules.js';

const base = { builtin: true, paths: [], settings: {}, disabled: [], enabled: [] };
const enabledIds = (rules: { id: string; enabled: boolean }[]) =>
  rules.filter((r) => r.enabled).map((r) => r.id);

describe('loadConfiguredRules', () => {
  it('runs the built-in pack as shipped: site-specific rules stay off', async () => {
    const { rules, problems } = await loadConfiguredRules(base);
    expect(problems).toEqual([]);
    expect(enabledIds(rules)).toContain('AWS.S3.ServerAccess.Insecure');
    expect(enabledIds(rules)).not.toContain('AWS.S3.ServerAccess.IPWhitelist');
  });

  it('switches rules on with rules.enabled and off with rules.disabled', async () => {
    const { rules, problems } = await loadConfiguredRules({
      ...base,
      enabled: ['AWS.S3.ServerAccess.IPWhitelist'],
      disabled: ['AWS.S3.ServerAccess.Insecure'],
    });
    expect(problems).toEqual([]);
    expect(enabledIds(rules)).toContain('AWS.S3.ServerAccess.IPWhitelist');
    expect(enabledIds(rules)).not.toContain('AWS.S3.ServerAccess.Insecure');
  });

  it('reports ids that name no rule, and keeps a rule in both lists off', async () => {
    const { rules, problems } = await loadConfiguredRules({
      ...base,
      enabled: ['No.Such.Rule', 'S3Sentinel.S3.DeprecatedTLS'],
      disabled: ['Typo.Rule', 'S3Sentinel.S3.DeprecatedTLS'],
    });
    expect(problems.map((p) => `${p.file}: ${p.message}`)).toEqual([
      'rules.enabled: "No.Such.Rule" names no loaded rule',
      'rules.enabled: "S3Sentinel.S3.DeprecatedTLS" is also in rules.disabled; it stays off',
      'rules.disabled: "Typo.Rule" names no loaded rule',
    ]);
    expect(enabledIds(rules)).not.toContain('S3Sentinel.S3.DeprecatedTLS');
  });

  it('says when an enabled rule names no log type it could ever see', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3s-logtypes-'));
    writeFileSync(
      join(dir, 'typo.yml'),
      'AnalysisType: rule\nRuleID: Typo.LogType\nLogTypes: [AWS.S3ServerAcess]\nSeverity: Low\nDetection:\n  - Condition: AlwaysTrue\n',
    );
    const { notices, problems } = await loadConfiguredRules({ ...base, builtin: false, paths: [dir] });
    expect(problems).toEqual([]);
    expect(notices).toEqual([
      {
        file: join(dir, 'typo.yml'),
        message:
          '"Typo.LogType" never runs: its LogTypes (AWS.S3ServerAcess) name no log type s3-sentinel reads (AWS.S3ServerAccess)',
        skipped: false,
        kind: 'log-type-not-read',
      },
    ]);
  });

  // An invalid rule file is skipped and logged; only an unreadable path or a wrong id stops `run`.
  it('counts an invalid rule file as a rule problem, not a config problem, however it is named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3s-invalid-'));
    writeFileSync(join(dir, 'bad.yml'), 'AnalysisType: rule\nRuleID: Bad\nLogTypes: [AWS.S3ServerAccess]\n');
    for (const paths of [[dir], [join(dir, 'bad.yml')]]) {
      const { problems, configProblems } = await loadConfiguredRules({ ...base, builtin: false, paths });
      expect(problems.map((p) => p.message)).toEqual([
        'Severity: is required (one of Info, Low, Medium, High, Critical)',
      ]);
      expect(configProblems).toEqual([]);
    }
    const missing = await loadConfiguredRules({ ...base, builtin: false, paths: [join(dir, 'nope')] });
    expect(missing.configProblems.map((p) => p.message)).toEqual(['cannot read rules: ENOENT']);
  });

  it('loads nothing built in when builtin is false', async () => {
    const { rules } = await loadConfiguredRules({ ...base, builtin: false });
    expect(rules).toEqual([]);
  });
});

describe('code rules that will not run', () => {
  const codeRule = 'AWS.S3.ServerAccess.UnknownRequester'; // a TypeScript rule, shipped disabled

  it('are listed but their module is not imported', async () => {
    const { rules } = await loadConfiguredRules(base);
    const rule = rules.find((r) => r.id === codeRule)!;
    expect(rule).toMatchObject({ kind: 'code', enabled: false });
    expect(rule.helpers).toEqual({});
  });

  it('are imported and pass their own tests once rules.enabled switches them on', async () => {
    const { runRuleTests } = await import('../../src/detect/rule-tests.js');
    const { rules, problems } = await loadConfiguredRules({ ...base, enabled: [codeRule] });
    expect(problems).toEqual([]);
    const rule = rules.find((r) => r.id === codeRule)!;
    expect(rule.enabled).toBe(true);
    const report = runRuleTests(rule);
    expect(report.cases.length).toBeGreaterThan(1);
    expect(report.cases.every((c) => c.passed)).toBe(true);
  });
});
