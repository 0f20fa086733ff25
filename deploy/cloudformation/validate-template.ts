/**
 * Validates s3-sentinel.yaml with the npm `cfn-lint` validator (a devDependency), once per
 * parameter scenario, so that both branches of every condition are checked.
 *
 *   npx tsx deploy/cloudformation/validate-template.ts [TEMPLATE]
 *
 * That validator is retired upstream and has three limits, handled here rather than hidden:
 * - Its resource specification is frozen at 2.29.0 (2019): the few newer properties the template
 *   uses are added from spec-overlay.json before validating.
 * - It loses track of where it is after an `Fn::If` branch that holds further intrinsic functions
 *   and then rejects every later `Ref` as "not supported here".
 * - It validates resources whose Condition is false.
 * So each scenario is first resolved the way CloudFormation resolves it (conditions evaluated,
 * `Fn::If` branches picked, false-condition resources dropped; see template.ts) and the result is
 * what the validator checks. Everything else (Ref/GetAtt targets, property names and types,
 * required properties, parameter types, outputs) is the validator's own checking.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTemplate, resolveConditions } from './template.js';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const PSEUDO = {
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::StackName': 's3-sentinel',
  'AWS::Partition': 'aws',
};

const required = {
  ImageUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/s3-sentinel:0.1.0`,
  LogBucketName: 'acme-s3-access-logs',
  VpcId: 'vpc-0123456789abcdef0',
  SubnetIds: 'subnet-0123456789abcdef0',
};
const slackSecret = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:s3-sentinel/slack-AbCdEf`;

/** Together these turn every condition of the template both on and off. */
export const SCENARIOS: Record<string, Record<string, string>> = {
  'defaults: existing bucket, memory dedup, no sinks but stdout': { ...required },
  'existing bucket with prefix, memory dedup, Slack': {
    ...required,
    LogPrefix: 's3-access/',
    SlackWebhookSecretArn: slackSecret,
  },
  'new bucket, DynamoDB dedup, KMS, SNS, Slack and PagerDuty, alarm topic': {
    ...required,
    LogPrefix: 's3-access/',
    CreateLogBucket: 'true',
    DedupStore: 'dynamodb',
    DesiredCount: '2',
    SnsTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:s3-access-log-events`,
    KmsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    SlackWebhookSecretArn: slackSecret,
    PagerDutyRoutingKeySecretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:s3-sentinel/pd-AbCdEf`,
    AlarmTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:ops-alarms`,
    AssignPublicIp: 'ENABLED',
  },
  'new bucket without prefix, PagerDuty only': {
    ...required,
    CreateLogBucket: 'true',
    PagerDutyRoutingKeySecretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:s3-sentinel/pd-AbCdEf`,
  },
};

interface Issue {
  message: string;
  resource: string;
}
export interface ScenarioResult {
  name: string;
  valid: boolean;
  crit: Issue[];
  warn: Issue[];
}

interface SpecOverlay {
  PropertyTypes: Record<string, unknown>;
  Properties: Record<string, Record<string, unknown>>;
}
interface Spec {
  PropertyTypes: Record<string, { Properties: Record<string, unknown> }>;
  ResourceTypes: Record<string, { Properties: Record<string, unknown> }>;
}

function applySpecOverlay(): void {
  const spec = require('cfn-lint/data/aws_resources_specification.json') as Spec;
  const overlay = JSON.parse(readFileSync(join(here, 'spec-overlay.json'), 'utf8')) as SpecOverlay;
  for (const [name, type] of Object.entries(overlay.PropertyTypes)) {
    spec.PropertyTypes[name] ??= type as Spec['PropertyTypes'][string];
  }
  for (const [typeName, props] of Object.entries(overlay.Properties)) {
    const target = spec.PropertyTypes[typeName] ?? spec.ResourceTypes[typeName];
    if (!target) throw new Error(`spec-overlay.json: unknown type ${typeName}`);
    for (const [prop, def] of Object.entries(props)) target.Properties[prop] ??= def;
  }
}

interface CfnLintApi {
  validateJsonObject(
    template: unknown,
    options: { parameters: Record<string, unknown>; pseudoParameters: Record<string, string> },
  ): { templateValid: boolean; errors: { crit: Issue[]; warn: Issue[]; info: Issue[] } };
}

export function validateTemplate(path = join(here, 's3-sentinel.yaml')): ScenarioResult[] {
  applySpecOverlay();
  const api = require('cfn-lint/lib/api') as CfnLintApi;
  const template = parseTemplate(readFileSync(path, 'utf8'));
  return Object.entries(SCENARIOS).map(([name, parameters]) => {
    const resolved = resolveConditions(template, parameters, PSEUDO);
    const listParameters = Object.fromEntries(
      Object.entries(parameters).map(([key, value]) => [
        key,
        template.Parameters?.[key]?.Type.startsWith('List<') ? value.split(',') : value,
      ]),
    );
    const result = api.validateJsonObject(resolved, { parameters: listParameters, pseudoParameters: PSEUDO });
    return { name, valid: result.templateValid, crit: result.errors.crit, warn: result.errors.warn };
  });
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const path = resolve(process.argv[2] ?? join(here, 's3-sentinel.yaml'));
  let failed = false;
  for (const { name, valid, crit, warn } of validateTemplate(path)) {
    const ok = valid && warn.length === 0;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name} (${crit.length} crit, ${warn.length} warn)`);
    for (const issue of [...crit, ...warn]) console.log(`  ${issue.resource}: ${issue.message}`);
    failed ||= !ok;
  }
  console.log(`${failed ? 'template invalid' : 'template valid'}: ${path}`);
  process.exitCode = failed ? 1 : 0;
}
