import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/observe/logger.js';
import { evaluateIntrinsics, parameterValues, type Json } from '../../deploy/cloudformation/template.js';
import { PSEUDO, SCENARIOS, validateTemplate } from '../../deploy/cloudformation/validate-template.js';
import {
  ALL_ON,
  DEFAULTS,
  repoRoot,
  resource,
  scenario,
  template,
  templatePath,
} from './template-fixture.js';

type Obj = Record<string, unknown>;
const props = (name: string, resolvedFor = ALL_ON) => resource(scenario(resolvedFor), name).Properties as Obj;

describe('validation with the npm cfn-lint validator', () => {
  it('accepts the template in every scenario', () => {
    const results = validateTemplate(templatePath);
    expect(results.map((r) => r.name)).toEqual(Object.keys(SCENARIOS));
    for (const result of results) {
      expect({ name: result.name, crit: result.crit, warn: result.warn }).toEqual({
        name: result.name,
        crit: [],
        warn: [],
      });
    }
  });

  it('rejects a misspelled property and a dangling Ref', () => {
    const broken = readFileSync(templatePath, 'utf8')
      .replace(
        'VisibilityTimeout: !Ref VisibilityTimeoutSeconds',
        'VisibilityTimeot: !Ref VisibilityTimeoutSeconds',
      )
      .replace('Cluster: !Ref Cluster', 'Cluster: !Ref Clustr');
    const path = join(mkdtempSync(join(tmpdir(), 'cfn-')), 'broken.yaml');
    writeFileSync(path, broken);
    const messages = validateTemplate(path).flatMap((r) => r.crit.map((c) => c.message));
    expect(messages).toContain('VisibilityTimeot is not a valid property of AWS::SQS::Queue');
    expect(messages).toContain('Referenced value Clustr does not exist');
  });
});

describe('queue', () => {
  it('redrives to the dead-letter queue after MaxReceiveCount receives', () => {
    expect(props('NotificationQueue').RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] },
      maxReceiveCount: { Ref: 'MaxReceiveCount' },
    });
    expect(props('DeadLetterQueue').MessageRetentionPeriod).toBe(1209600);
  });

  it('lets only S3 from the log bucket in this account send, plus the SNS topic when given', () => {
    const statements = (name: string) =>
      (props('NotificationQueuePolicy', name).PolicyDocument as Obj).Statement as Obj[];
    const [s3, sns] = statements(ALL_ON);
    expect(s3).toMatchObject({
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Condition: {
        ArnLike: { 'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${LogBucketName}' } },
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      },
    });
    expect(sns).toMatchObject({
      Principal: { Service: 'sns.amazonaws.com' },
      Condition: { ArnEquals: { 'aws:SourceArn': { Ref: 'SnsTopicArn' } } },
    });
    expect(statements(DEFAULTS)).toHaveLength(1);
    expect(scenario(ALL_ON).Resources.SnsSubscription).toBeDefined();
    expect(scenario(DEFAULTS).Resources.SnsSubscription).toBeUndefined();
  });
});

describe('bucket notification', () => {
  it('is set on the bucket the stack creates, for the log prefix, after the queue policy', () => {
    const bucket = resource(scenario(ALL_ON), 'LogBucket');
    expect(bucket.DependsOn).toBe('NotificationQueuePolicy');
    const config = (bucket.Properties!.NotificationConfiguration as Obj).QueueConfigurations as Obj[];
    expect(config).toEqual([
      {
        Event: 's3:ObjectCreated:*',
        Queue: { 'Fn::GetAtt': ['NotificationQueue', 'Arn'] },
        Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: { Ref: 'LogPrefix' } }] } },
      },
    ]);
  });

  it('is a command to run for an existing bucket, given as an output', () => {
    const resolved = scenario(DEFAULTS);
    expect(resolved.Resources.LogBucket).toBeUndefined();
    const command = evaluateIntrinsics(resolved.Outputs!.BucketNotificationCommand!.Value, {
      ...parameterValues(template, SCENARIOS[DEFAULTS]!),
      ...PSEUDO,
      'NotificationQueue.Arn': 'arn:aws:sqs:eu-west-1:123456789012:s3-sentinel-notifications',
    }) as string;
    expect(command).toMatch(/^aws s3api put-bucket-notification-configuration --bucket acme-s3-access-logs /);
    const json = command.slice(command.indexOf("'") + 1, command.lastIndexOf("'"));
    expect(JSON.parse(json)).toEqual({
      QueueConfigurations: [
        {
          Id: 's3-sentinel',
          QueueArn: 'arn:aws:sqs:eu-west-1:123456789012:s3-sentinel-notifications',
          Events: ['s3:ObjectCreated:*'],
        },
      ],
    });
  });
});

describe('dedup table', () => {
  it('exists only with DedupStore=dynamodb, keyed by pk with TTL on expiresAt', () => {
    expect(scenario(DEFAULTS).Resources.DedupTable).toBeUndefined();
    expect(props('DedupTable')).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(scenario(ALL_ON).Outputs!.DedupTableName).toBeDefined();
  });
});

describe('ECS Fargate service', () => {
  const container = (name = ALL_ON) => (props('TaskDefinition', name).ContainerDefinitions as Obj[])[0]!;

  it('runs a Fargate task as the task role, logging to the stack log group', () => {
    expect(props('Service')).toMatchObject({
      LaunchType: 'FARGATE',
      TaskDefinition: { Ref: 'TaskDefinition' },
    });
    expect(props('TaskDefinition')).toMatchObject({
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      TaskRoleArn: { 'Fn::GetAtt': ['TaskRole', 'Arn'] },
      ExecutionRoleArn: { 'Fn::GetAtt': ['TaskExecutionRole', 'Arn'] },
    });
    expect(container().LogConfiguration).toMatchObject({
      LogDriver: 'awslogs',
      Options: { 'awslogs-group': { Ref: 'LogGroup' } },
    });
  });

  // Without a Prometheus scraper, error-level log lines are how this stack hears of refused alerts.
  it('alarms on the error-level lines the daemon logs', () => {
    expect(props('ErrorLogMetricFilter')).toMatchObject({
      LogGroupName: { Ref: 'LogGroup' },
      FilterPattern: '{ $.level >= 50 }',
    });
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) } });
    logger.error({ sink: 'oncall' }, 'delivery failed permanently; not retrying');
    logger.warn('not an error');
    expect(lines.map((line) => (JSON.parse(line) as { level: number }).level)).toEqual([50, 40]);
    expect(props('ErrorLogAlarm')).toMatchObject({
      Namespace: 'S3Sentinel',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('takes the Slack URL and PagerDuty key from Secrets Manager, readable by the execution role only', () => {
    expect(container().Secrets).toEqual([
      { Name: 'SLACK_WEBHOOK_URL', ValueFrom: { Ref: 'SlackWebhookSecretArn' } },
      { Name: 'PAGERDUTY_ROUTING_KEY', ValueFrom: { Ref: 'PagerDutyRoutingKeySecretArn' } },
    ]);
    const execution = props('TaskExecutionRole').Policies as { PolicyDocument: { Statement: Obj[] } }[];
    expect(execution[0]!.PolicyDocument.Statement[0]).toMatchObject({
      Action: ['secretsmanager:GetSecretValue'],
      Resource: [{ Ref: 'SlackWebhookSecretArn' }, { Ref: 'PagerDutyRoutingKeySecretArn' }],
    });
    expect(container(DEFAULTS).Secrets).toEqual([]);
    expect(props('TaskExecutionRole', DEFAULTS).Policies).toBeUndefined();
  });

  it('hands the daemon a config that parses and names no secret', () => {
    const env = (container().Environment as { Name: string; Value: Json }[]).find(
      (e) => e.Name === 'S3_SENTINEL_CONFIG',
    )!;
    const text = evaluateIntrinsics(env.Value, {
      ...parameterValues(template, SCENARIOS[ALL_ON]!),
      ...PSEUDO,
      NotificationQueue: 'https://sqs.eu-west-1.amazonaws.com/123456789012/s3-sentinel-notifications',
      DedupTable: 's3-sentinel-DedupTable-ABC',
    }) as string;
    expect(parse(text)).toEqual({
      sqs: {
        queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/s3-sentinel-notifications',
        region: 'eu-west-1',
        visibilityTimeoutSeconds: 300,
      },
      s3: { region: 'eu-west-1', keyPrefixes: ['s3-access/'] },
      rules: { builtin: true },
      dedup: { store: 'dynamodb', dynamodb: { tableName: 's3-sentinel-DedupTable-ABC' } },
      sinks: [
        { type: 'stdout', name: 'stdout' },
        { type: 'slack', name: 'slack', webhookUrl: '${SLACK_WEBHOOK_URL}', minSeverity: 'LOW' },
        { type: 'pagerduty', name: 'pagerduty', routingKey: '${PAGERDUTY_ROUTING_KEY}', minSeverity: 'HIGH' },
      ],
      server: { port: 9090 },
      log: { level: 'info' },
    });
    expect(container().Command).toEqual([
      expect.stringContaining('exec node /app/dist/cli.js run --config /tmp/s3-sentinel.yaml'),
    ]);
  });

  it.each(Object.keys(SCENARIOS))('hands the daemon a config its own loader accepts: %s', (name) => {
    const env = (container(name).Environment as { Name: string; Value: Json }[]).find(
      (e) => e.Name === 'S3_SENTINEL_CONFIG',
    )!;
    const text = evaluateIntrinsics(env.Value, {
      ...parameterValues(template, SCENARIOS[name]!),
      ...PSEUDO,
      NotificationQueue: 'https://sqs.eu-west-1.amazonaws.com/123456789012/s3-sentinel-notifications',
      DedupTable: 's3-sentinel-DedupTable-ABC',
    }) as string;
    // The secrets ECS injects from Secrets Manager, as the container sees them.
    const config = parseConfig(text, {
      env: {
        SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/x',
        PAGERDUTY_ROUTING_KEY: 'r'.repeat(32),
      },
      origin: 'S3_SENTINEL_CONFIG',
    });
    expect(config.sqs?.queueUrl).toBe(
      'https://sqs.eu-west-1.amazonaws.com/123456789012/s3-sentinel-notifications',
    );
    const secrets = (container(name).Secrets as { Name: string }[]).map((secret) => secret.Name).sort();
    const sinkTypes = config.sinks.map((sink) => sink.type).filter((type) => type !== 'stdout');
    expect(
      sinkTypes.map((type) => (type === 'slack' ? 'SLACK_WEBHOOK_URL' : 'PAGERDUTY_ROUTING_KEY')).sort(),
    ).toEqual(secrets);
  });

  it('never overlaps two tasks when dedup state lives in one task memory', () => {
    expect(props('Service', DEFAULTS).DeploymentConfiguration).toEqual({
      MinimumHealthyPercent: 0,
      MaximumPercent: 100,
    });
    expect(props('Service').DeploymentConfiguration).toEqual({
      MinimumHealthyPercent: 100,
      MaximumPercent: 200,
    });
  });

  it('uses the same health check as the Dockerfile', () => {
    const dockerfile = readFileSync(`${repoRoot}Dockerfile`, 'utf8');
    const script = (container().HealthCheck as { Command: string[] }).Command.at(-1)!;
    expect(dockerfile).toContain(JSON.stringify(script));
  });
});

describe('docs/deployment.md', () => {
  const doc = readFileSync(`${repoRoot}docs/deployment.md`, 'utf8');
  const names = {
    Parameters: Object.keys(template.Parameters ?? {}),
    Resources: Object.keys(template.Resources),
    Outputs: Object.keys(template.Outputs ?? {}),
  };

  it('passes only parameters the template declares', () => {
    const used = [...doc.matchAll(/ParameterKey=(\w+)/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(3);
    for (const name of used) expect(names.Parameters).toContain(name);
  });

  it('reads only outputs the template declares', () => {
    const used = [...doc.matchAll(/OutputKey=='(\w+)'/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(1);
    for (const name of used) expect(names.Outputs).toContain(name);
  });

  it('names only resources, parameters and outputs that exist', () => {
    // Every `PascalCase` word in backticks is a name from the template.
    const mentioned = [...doc.matchAll(/`([A-Z][a-z]+(?:[A-Z][a-z0-9]*)+)`/g)].map((m) => m[1]!);
    expect(mentioned.length).toBeGreaterThan(5);
    const known = [...names.Parameters, ...names.Resources, ...names.Outputs];
    expect(mentioned.filter((name) => !known.includes(name))).toEqual([]);
  });
});
