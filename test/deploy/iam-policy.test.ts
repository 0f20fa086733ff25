import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXPECTED_ACTIONS, checkIamPolicy } from '../../deploy/checks.js';
import { ALL_ON, DEFAULTS, repoRoot, resource, scenario } from './template-fixture.js';

const policyText = readFileSync(`${repoRoot}deploy/iam/task-role-policy.json`, 'utf8');
const policy = JSON.parse(policyText) as {
  Statement: {
    Sid: string;
    Action: string[];
    Resource: string;
    Condition?: Record<string, Record<string, unknown>>;
  }[];
};
const readme = readFileSync(`${repoRoot}deploy/iam/README.md`, 'utf8');

function withStatement(change: (statements: Record<string, unknown>[]) => void): string {
  const copy = JSON.parse(policyText) as { Statement: Record<string, unknown>[] };
  change(copy.Statement);
  return JSON.stringify(copy);
}

describe('deploy/iam/task-role-policy.json', () => {
  it('passes the policy checks', () => {
    expect(checkIamPolicy(policyText)).toEqual([]);
  });

  it('grants exactly the expected actions, none with a wildcard', () => {
    const actions = policy.Statement.flatMap((s) => s.Action).sort();
    expect(actions).toEqual(Object.values(EXPECTED_ACTIONS).flat().sort());
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });

  it('scopes every statement to one queue, bucket prefix, key or table', () => {
    const resources = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s.Resource]));
    expect(resources).toEqual({
      ConsumeNotificationQueue: 'arn:aws:sqs:<REGION>:<ACCOUNT_ID>:<QUEUE_NAME>',
      ReadAccessLogObjects: 'arn:aws:s3:::<LOG_BUCKET>/<LOG_PREFIX>*',
      ListAccessLogsForBackfill: 'arn:aws:s3:::<LOG_BUCKET>',
      DecryptWithCustomerManagedKey: '<KMS_KEY_ARN>',
      UseDedupTable: 'arn:aws:dynamodb:<REGION>:<ACCOUNT_ID>:table/<DEDUP_TABLE>',
    });
    const list = policy.Statement.find((s) => s.Sid === 'ListAccessLogsForBackfill');
    expect(list?.Condition).toEqual({ StringLike: { 's3:prefix': ['<LOG_PREFIX>*'] } });
    const kms = policy.Statement.find((s) => s.Sid === 'DecryptWithCustomerManagedKey');
    expect(Object.keys(kms?.Condition?.StringEquals ?? {})).toEqual(['kms:ViaService']);
  });

  it('documents every placeholder it uses', () => {
    const placeholders = new Set(policyText.match(/<[A-Z_]+>/g));
    expect(placeholders.size).toBeGreaterThan(0);
    for (const placeholder of placeholders) expect(readme).toContain(`\`${placeholder}\``);
  });

  it('rejects wildcard actions, star resources, extra actions and missing statements', () => {
    expect(checkIamPolicy(withStatement((s) => (s[0]!.Action = ['sqs:*']))).join('\n')).toMatch(
      /wildcard or invalid action "sqs:\*"/,
    );
    expect(checkIamPolicy(withStatement((s) => (s[1]!.Resource = '*'))).join('\n')).toMatch(
      /unscoped resource "\*"/,
    );
    expect(
      checkIamPolicy(withStatement((s) => (s[1]!.Action = ['s3:GetObject', 's3:PutObject']))).join('\n'),
    ).toMatch(/differ/);
    expect(checkIamPolicy(withStatement((s) => s.pop())).join('\n')).toMatch(
      /missing statement UseDedupTable/,
    );
    expect(checkIamPolicy('{ not json')[0]).toMatch(/^not JSON/);
  });
});

describe('the template task role matches the IAM document', () => {
  type Statement = { Sid: string; Action: string[] };
  const taskRoleStatements = (name: string): Statement[] => {
    const role = resource(scenario(name), 'TaskRole');
    const policies = role.Properties!.Policies as { PolicyDocument: { Statement: Statement[] } }[];
    return policies.flatMap((p) => p.PolicyDocument.Statement);
  };

  it('has the same statements and actions when every option is on', () => {
    const fromTemplate = Object.fromEntries(
      taskRoleStatements(ALL_ON).map((s) => [s.Sid, [...s.Action].sort()]),
    );
    const fromDocument = Object.fromEntries(policy.Statement.map((s) => [s.Sid, [...s.Action].sort()]));
    expect(fromTemplate).toEqual(fromDocument);
  });

  it('drops the KMS and DynamoDB statements when neither is used', () => {
    expect(taskRoleStatements(DEFAULTS).map((s) => s.Sid)).toEqual([
      'ConsumeNotificationQueue',
      'ReadAccessLogObjects',
      'ListAccessLogsForBackfill',
    ]);
  });
});
