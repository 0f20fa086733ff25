/**
 * An in-process fauxqs (SQS + S3 + SNS + STS on one port) for integration tests, with SDK clients
 * pointed at it and helpers that give each test its own uniquely named queue, DLQ, bucket and
 * topic. Start one per test file (`beforeAll`) and stop it in `afterAll`.
 */
import { randomUUID } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { publishToSns } from '../../demo/emulator.js';

export const FAUXQS_REGION = 'us-east-1';
export const FAUXQS_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

export interface TestQueue {
  queueName: string;
  queueUrl: string;
  queueArn: string;
  /** Present when the queue was created with a dead-letter queue. */
  dlq?: { queueName: string; queueUrl: string; queueArn: string };
}

export interface CreateQueueOptions {
  visibilityTimeoutSeconds?: number;
  /** Creates a DLQ and a redrive policy moving a message there after this many receives. */
  dlqMaxReceiveCount?: number;
}

export interface FauxqsHarness {
  server: FauxqsServer;
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  region: string;
  /** Settings for building more clients against the emulator. */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  sqs: SQSClient;
  /** Path-style: fauxqs's virtual-host buckets would need DNS for `*.localhost`. */
  s3: S3Client;
  sts: STSClient;
  createQueue(options?: CreateQueueOptions): TestQueue;
  createBucket(): string;
  /** Creates a topic subscribed by `queue`; raw delivery skips the SNS envelope. */
  createTopic(queue: TestQueue, options?: { rawMessageDelivery?: boolean }): string;
  /** Publishes through fauxqs's SNS Query API (the repo has no SNS SDK client). */
  publish(topicArn: string, message: string): Promise<void>;
  stop(): Promise<void>;
}

/** A name no other test uses: SQS/S3 allow lowercase letters, digits and hyphens. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function startFauxqsHarness(): Promise<FauxqsHarness> {
  const server = await startFauxqs({ port: 0, logger: false, defaultRegion: FAUXQS_REGION });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const clientConfig = { endpoint, region: FAUXQS_REGION, credentials: { ...FAUXQS_CREDENTIALS } };
  const sqs = new SQSClient(clientConfig);
  const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  const sts = new STSClient(clientConfig);

  const harness: FauxqsHarness = {
    server,
    endpoint,
    region: FAUXQS_REGION,
    clientConfig,
    sqs,
    s3,
    sts,
    createQueue(options = {}) {
      const queueName = uniqueName('q');
      const attributes: Record<string, string> = {};
      if (options.visibilityTimeoutSeconds !== undefined) {
        attributes.VisibilityTimeout = String(options.visibilityTimeoutSeconds);
      }
      let dlq: TestQueue['dlq'];
      if (options.dlqMaxReceiveCount !== undefined) {
        dlq = server.createQueue(`${queueName}-dlq`);
        attributes.RedrivePolicy = JSON.stringify({
          deadLetterTargetArn: dlq.queueArn,
          maxReceiveCount: String(options.dlqMaxReceiveCount),
        });
      }
      const created = server.createQueue(queueName, { attributes });
      return dlq ? { ...created, dlq } : created;
    },
    createBucket() {
      return server.createBucket(uniqueName('bucket')).bucketName;
    },
    createTopic(queue, options = {}) {
      const topicName = uniqueName('topic');
      const { topicArn } = server.createTopic(topicName);
      server.subscribe({
        topic: topicName,
        queue: queue.queueName,
        attributes: { RawMessageDelivery: options.rawMessageDelivery ? 'true' : 'false' },
      });
      return topicArn;
    },
    publish: (topicArn, message) => publishToSns(endpoint, topicArn, message),
    async stop() {
      sqs.destroy();
      s3.destroy();
      sts.destroy();
      await server.stop();
    },
  };
  return harness;
}
