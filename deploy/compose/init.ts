/**
 * Prepares the local emulator (fauxqs) for the docker-compose demo: the log bucket, the
 * notification queue with a dead-letter queue, the sample log objects, and for each object the
 * notification S3 would have sent. fauxqs stores but does not emit bucket notifications, so this
 * script sends them itself, preceded by the `s3:TestEvent` S3 sends when a notification is
 * configured. Safe to run twice: creating what exists is not an error.
 *
 * In compose it runs as `node --import tsx /app/compose/init.ts`, configured by the environment
 * (see docker-compose.yml). Tests call initEmulator() directly against an in-process fauxqs.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SQSClient,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';

export interface EmulatorInitOptions {
  endpoint: string;
  region: string;
  bucket: string;
  logPrefix: string;
  queueName: string;
  deadLetterQueueName: string;
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
  sampleLogsDir: string;
}

export interface EmulatorInitResult {
  queueUrl: string;
  deadLetterQueueUrl: string;
  objectKeys: string[];
}

/** Log object names look like `2026-11-27-09-15-02-5A1B2C3D4E5F6A7B`; anything else is a note. */
const LOG_OBJECT_NAME = /^\d{4}(-\d{2}){5}-[0-9A-F]+$/;

/** The body S3 sends to SQS for one new object; keys are form-encoded, as S3 does. */
export function objectCreatedNotification(
  bucket: string,
  key: string,
  size: number,
  region: string,
  eventTime: Date,
): string {
  const formEncodedKey = encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: eventTime.toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AROAEXAMPLE:logging.s3.amazonaws.com' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 's3-sentinel',
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: { key: formEncodedKey, size },
        },
      },
    ],
  });
}

/** The message S3 sends once when a notification configuration is saved. */
export function testEventNotification(bucket: string, eventTime: Date): string {
  return JSON.stringify({
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: eventTime.toISOString(),
    Bucket: bucket,
    RequestId: 'EXAMPLE0000000000',
    HostId: 'EXAMPLE-host-id',
  });
}

function isAlreadyThere(err: unknown): boolean {
  const name = (err as { name?: string }).name ?? '';
  return name === 'BucketAlreadyOwnedByYou' || name === 'BucketAlreadyExists';
}

export async function initEmulator(options: EmulatorInitOptions): Promise<EmulatorInitResult> {
  const clientConfig = {
    endpoint: options.endpoint,
    region: options.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const sqs = new SQSClient(clientConfig);
  const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  try {
    const dlq = await sqs.send(
      new CreateQueueCommand({
        QueueName: options.deadLetterQueueName,
        Attributes: { MessageRetentionPeriod: '1209600' },
      }),
    );
    const dlqUrl = dlq.QueueUrl!;
    const dlqAttributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: options.queueName,
        Attributes: {
          VisibilityTimeout: String(options.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqAttributes.Attributes!.QueueArn,
            maxReceiveCount: String(options.maxReceiveCount),
          }),
        },
      }),
    );
    const queueUrl = queue.QueueUrl!;

    try {
      await s3.send(new CreateBucketCommand({ Bucket: options.bucket }));
    } catch (err) {
      if (!isAlreadyThere(err)) throw err;
    }

    const now = new Date();
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: testEventNotification(options.bucket, now) }),
    );
    const names = (await readdir(options.sampleLogsDir)).filter((n) => LOG_OBJECT_NAME.test(n)).sort();
    const objectKeys: string[] = [];
    for (const name of names) {
      const body = await readFile(join(options.sampleLogsDir, name));
      const key = `${options.logPrefix}${name}`;
      await s3.send(new PutObjectCommand({ Bucket: options.bucket, Key: key, Body: body }));
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: objectCreatedNotification(options.bucket, key, body.length, options.region, now),
        }),
      );
      objectKeys.push(key);
    }
    return { queueUrl, deadLetterQueueUrl: dlqUrl, objectKeys };
  } finally {
    sqs.destroy();
    s3.destroy();
  }
}

/** Options from the environment, with the defaults docker-compose.yml relies on. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): EmulatorInitOptions {
  const number = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0)
      throw new Error(`${name} must be a positive integer, got "${raw}"`);
    return value;
  };
  return {
    endpoint: env.EMULATOR_ENDPOINT ?? 'http://fauxqs:4566',
    region: env.AWS_REGION ?? 'us-east-1',
    bucket: env.LOG_BUCKET ?? 's3-access-logs',
    logPrefix: env.LOG_PREFIX ?? 'logs/',
    queueName: env.QUEUE_NAME ?? 's3-sentinel-notifications',
    deadLetterQueueName: env.DEAD_LETTER_QUEUE_NAME ?? 's3-sentinel-notifications-dlq',
    maxReceiveCount: number('MAX_RECEIVE_COUNT', 5),
    visibilityTimeoutSeconds: number('VISIBILITY_TIMEOUT_SECONDS', 60),
    sampleLogsDir: env.SAMPLE_LOGS_DIR ?? fileURLToPath(new URL('./sample-logs', import.meta.url)),
  };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    const options = optionsFromEnv(process.env);
    const result = await initEmulator(options);
    console.log(`queue ${result.queueUrl} (dead-letter queue ${result.deadLetterQueueUrl})`);
    for (const key of result.objectKeys) console.log(`uploaded and notified s3://${options.bucket}/${key}`);
  } catch (err) {
    console.error(`init failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
