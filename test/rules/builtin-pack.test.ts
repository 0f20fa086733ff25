import { describe, expect, it } from 'vitest';
import { loadRules } from '../../src/detect/loader.js';
import { runRuleTests } from '../../src/detect/rule-tests.js';

const { rules, problems } = await loadRules();

describe('the built-in rule pack', () => {
  it('loads without problems', () => {
    expect(problems).toEqual([]);
    expect(rules.length).toBeGreaterThanOrEqual(9);
  });

  it.each(rules.map((rule) => [rule.id, rule] as const))(
    '%s passes its tests, with positive and negative cases',
    (_id, rule) => {
      const report = runRuleTests(rule, { minimumTests: 2 });
      expect(report.problems).toEqual([]);
      for (const result of report.cases) expect(result, result.name).toMatchObject({ passed: true });
    },
  );

  it('ships site-specific rules disabled, with defaults under Settings', () => {
    const disabled = rules
      .filter((rule) => !rule.enabled)
      .map((rule) => rule.id)
      .sort();
    expect(disabled).toEqual([
      'AWS.S3.ServerAccess.IPWhitelist',
      'AWS.S3.ServerAccess.Unauthenticated',
      'AWS.S3.ServerAccess.UnknownRequester',
    ]);
  });

  it("keeps Panther's Insecure rule metadata and its three tests", () => {
    const insecure = rules.find((rule) => rule.id === 'AWS.S3.ServerAccess.Insecure')!;
    expect(insecure).toMatchObject({
      displayName: 'AWS S3 Insecure Access',
      severity: 'LOW',
      dedupPeriodMinutes: 720,
      threshold: 1,
      enabled: true,
      logTypes: ['AWS.S3ServerAccess'],
      tags: [
        'AWS',
        'Configuration Required',
        'Security Control',
        'Collection:Data From Cloud Storage Object',
      ],
      reports: { 'MITRE ATT&CK': ['TA0009:T1530'] },
      description:
        'Checks if HTTP (unencrypted) was used to access objects in an S3 bucket, as opposed to HTTPS (encrypted).',
      runbook: 'Add a condition on the S3 bucket policy that denies access via http.',
      reference: 'https://aws.amazon.com/premiumsupport/knowledge-center/s3-bucket-policy-for-config-rule/',
      summaryAttributes: [
        'bucket',
        'key',
        'operation',
        'userAgent',
        'remoteip',
        'requester',
        'p_any_aws_arns',
        'p_any_aws_account_ids',
      ],
    });
    expect(insecure.tests.map((test) => [test.name, test.expectedResult])).toEqual([
      ['Secure Access to S3 Bucket', false],
      ['Delete Marker Call', false],
      ['Insecure Access to S3 Bucket', true],
    ]);
  });

  it('reads site settings from the config over the rule defaults', async () => {
    const custom = await loadRules({ settings: { allowedCidrs: ['11.0.0.0/8'] } });
    const allowlist = custom.rules.find((rule) => rule.id === 'AWS.S3.ServerAccess.IPWhitelist')!;
    // Panther's test "Access From Unapproved IP" uses 11.0.0.1, now allowed.
    const results = runRuleTests(allowlist).cases;
    expect(results.find((result) => result.name === 'Access From Unapproved IP')).toMatchObject({
      passed: false,
      actual: false,
    });
  });
});
