import { readFileSync, existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { initEmulator, objectCreatedNotification, optionsFromEnv } from '../../deploy/compose/init.js';
import { createWebhookReceiver, describeAlert } from '../../deploy/compose/webhook-receiver.js';
import { repoRoot } from './template-fixture.js';

type Obj = Record<string, unknown>;
const compose = parse(readFileSync(`${repoRoot}docker-compose.yml`, 'utf8')) as {
  services: Record<string, Obj & { environment?: Record<string, string>; volumes?: string[] }>;
};
const daemonConfig = parse(readFileSync(`${repoRoot}deploy/compose/config.yaml`, 'utf8')) as {
  sqs: { queueUrl: string; endpoint: string; region: string };
  s3: { endpoint: string; keyPrefixes: string[] };
};
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('docker-compose.yml', () => {
  it('has the daemon, the emulator, the init job and the receiver', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['fauxqs', 's3-sentinel', 'init', 'webhook-receiver'].sort(),
    );
    expect(compose.services.fauxqs!.image).toMatch(/^kibertoad\/fauxqs:/);
    expect(compose.services['s3-sentinel']!.depends_on).toMatchObject({
      init: { condition: 'service_completed_successfully' },
      'webhook-receiver': { condition: 'service_healthy' },
    });
  });

  it('mounts only files that exist', () => {
    for (const service of Object.values(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        expect(existsSync(`${repoRoot}${source.replace(/^\.\//, '')}`), volume).toBe(true);
      }
    }
  });

  it('points the daemon at the queue, bucket prefix and receiver that init and compose create', () => {
    const init = optionsFromEnv(compose.services.init!.environment!);
    expect(daemonConfig.sqs.queueUrl.endsWith(`/${init.queueName}`)).toBe(true);
    expect(daemonConfig.sqs.endpoint).toBe(init.endpoint);
    expect(daemonConfig.s3.keyPrefixes).toEqual([init.logPrefix]);
    expect(compose.services['s3-sentinel']!.environment!.WEBHOOK_URL).toBe(
      'http://webhook-receiver:8080/alerts',
    );
    // Start-up asks STS who we are: with the emulator's fake keys, real STS refuses them.
    expect(compose.services['s3-sentinel']!.environment!.AWS_ENDPOINT_URL_STS).toBe(init.endpoint);
  });
});

describe('deploy/compose/init.ts against fauxqs', () => {
  let server: Awaited<ReturnType<typeof startFauxqs>>;
  let endpoint: string;

  beforeAll(async () => {
    // The host compose gives fauxqs (FAUXQS_HOST), so queue URLs look as they do there.
    server = await startFauxqs({
      port: 0,
      logger: false,
      host: compose.services.fauxqs!.environment!.FAUXQS_HOST,
    });
    endpoint = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server.stop());

  it('creates the queue with redrive, uploads the samples and sends their notifications', async () => {
    const options = { ...optionsFromEnv(compose.services.init!.environment!), endpoint };
    const result = await initEmulator(options);
    // Running it twice must be harmless: `docker compose up` after a restart does.
    await initEmulator(options);
    expect(result.objectKeys).toEqual([
      'logs/2026-11-27-09-15-02-5A1B2C3D4E5F6A7B',
      'logs/2026-11-27-09-20-44-8F7E6D5C4B3A2918',
    ]);

    // The queue URL in the daemon's config is the one fauxqs hands out (on its compose port).
    expect(result.queueUrl).toBe(daemonConfig.sqs.queueUrl.replace(':4566/', `:${server.port}/`));
    const sqs = new SQSClient({ endpoint, region: daemonConfig.sqs.region, credentials });
    const s3 = new S3Client({ endpoint, region: 'us-east-1', credentials, forcePathStyle: true });
    try {
      const attributes = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: result.queueUrl,
          AttributeNames: ['RedrivePolicy', 'VisibilityTimeout'],
        }),
      );
      const redrive = JSON.parse(attributes.Attributes!.RedrivePolicy!) as Obj;
      expect(String(redrive.deadLetterTargetArn)).toMatch(/:s3-sentinel-notifications-dlq$/);
      expect(Number(redrive.maxReceiveCount)).toBe(5);
      expect(attributes.Attributes!.VisibilityTimeout).toBe('60');

      const bodies: Obj[] = [];
      for (let i = 0; i < 5 && bodies.length < 6; i++) {
        const got = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: result.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        );
        for (const m of got.Messages ?? []) bodies.push(JSON.parse(m.Body!) as Obj);
      }
      expect(bodies.filter((b) => b.Event === 's3:TestEvent')).toHaveLength(2);
      const keys = bodies
        .flatMap(
          (b) =>
            (b.Records as { s3: { bucket: { name: string }; object: { key: string } } }[] | undefined) ?? [],
        )
        .map((r) => `${r.s3.bucket.name}/${r.s3.object.key}`);
      expect(keys.sort()).toEqual(
        [...result.objectKeys, ...result.objectKeys].map((k) => `s3-access-logs/${k}`).sort(),
      );

      const object = await s3.send(
        new GetObjectCommand({ Bucket: 's3-access-logs', Key: result.objectKeys[1]! }),
      );
      const text = await object.Body!.transformToString();
      expect(text.split('\n').filter((l) => l.includes('REST.GET.OBJECT'))).toHaveLength(6);
    } finally {
      sqs.destroy();
      s3.destroy();
    }
  });

  it('form-encodes keys in notifications as S3 does', () => {
    const body = JSON.parse(objectCreatedNotification('b', 'logs/a b+c/é', 1, 'us-east-1', new Date(0))) as {
      Records: { s3: { object: { key: string } } }[];
    };
    const key = body.Records[0]!.s3.object.key;
    expect(key).toBe('logs/a+b%2Bc/%C3%A9');
    expect(decodeURIComponent(key.replace(/\+/g, ' '))).toBe('logs/a b+c/é');
  });

  it('rejects a bad number in the environment, naming the variable', () => {
    expect(() => optionsFromEnv({ MAX_RECEIVE_COUNT: 'five' })).toThrow(
      /MAX_RECEIVE_COUNT must be a positive integer/,
    );
  });
});

describe('deploy/compose/webhook-receiver.ts', () => {
  const printed: string[] = [];
  const { server, received } = createWebhookReceiver((line) => printed.push(line));
  let base: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const alert = {
    alertId: 'a1',
    ruleId: 'AWS.S3.Insecure',
    severity: 'LOW',
    title: 'Insecure access to S3 Bucket [b]',
  };

  it('prints and keeps each alert posted, single or batched', async () => {
    const one = await fetch(`${base}/alerts`, { method: 'POST', body: JSON.stringify(alert) });
    const two = await fetch(`${base}/alerts`, {
      method: 'POST',
      body: JSON.stringify([alert, { ...alert, alertId: 'a2' }]),
    });
    expect([one.status, two.status]).toEqual([204, 204]);
    expect(printed).toContain(describeAlert(alert));
    expect(printed[0]).toBe('ALERT LOW AWS.S3.Insecure: Insecure access to S3 Bucket [b] (alertId a1)');
    const listed = (await (await fetch(`${base}/alerts`)).json()) as { alert: Obj }[];
    expect(listed.map((r) => r.alert.alertId)).toEqual(['a1', 'a1', 'a2']);
    expect(received).toHaveLength(3);
  });

  it('answers 400 to a body that is not an alert, and 404 elsewhere', async () => {
    expect((await fetch(`${base}/alerts`, { method: 'POST', body: '{oops' })).status).toBe(400);
    expect((await fetch(`${base}/alerts`, { method: 'POST', body: '[1,2]' })).status).toBe(400);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
