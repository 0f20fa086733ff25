/**
 * The AWS side of the demo: an embedded fauxqs (SQS, S3, SNS and STS on one port) with the bucket,
 * queue, dead-letter queue and SNS topics a real deployment would have. Nothing here talks to AWS.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs, type FauxqsServer } from 'fauxqs';

export const DEMO_REGION = 'us-east-1';
/** fauxqs accepts any credentials; fixed ones keep the SDK from looking for a real profile. */
export const DEMO_CREDENTIALS = { accessKeyId: 'demo', secretAccessKey: 'demo' } as const;

export interface DemoQueue {
  queueName: string;
  queueUrl: string;
  queueArn: string;
}

export interface DemoResources {
  bucket: string;
  queue: DemoQueue;
  dlq: DemoQueue;
  /** Receives after which the queue's redrive policy moves a message to the DLQ. */
  dlqMaxReceiveCount: number;
  /** Topic subscribed by the queue with the SNS envelope (the AWS default). */
  envelopedTopicArn: string;
  /** Topic subscribed by the queue with raw message delivery. */
  rawTopicArn: string;
}

export interface QueueDepth {
  ready: number;
  delayed: number;
  inFlight: number;
}

export interface DemoEmulator {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  region: string;
  sqs: SQSClient;
  /** Path-style: virtual-host buckets would need DNS for `*.localhost`. */
  s3: S3Client;
  createResources(names: { bucket: string; queue: string; dlqMaxReceiveCount: number }): DemoResources;
  /** A fresh queue (no DLQ), for runs that each need their own. */
  createQueue(name: string, attributes?: Record<string, string>): DemoQueue;
  /** Messages still on a queue, read from the emulator's state (no receive, no side effect). */
  queueDepth(queueName: string): QueueDepth;
  /** Publishes through fauxqs's SNS Query API (the project has no SNS SDK client). */
  publish(topicArn: string, message: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startEmulator(): Promise<DemoEmulator> {
  const server: FauxqsServer = await startFauxqs({ port: 0, logger: false, defaultRegion: DEMO_REGION });
  // fauxqs listens on every interface; everything here addresses it on the loopback only.
  const endpoint = `http://127.0.0.1:${server.port}`;
  const clientConfig = { endpoint, region: DEMO_REGION, credentials: { ...DEMO_CREDENTIALS } };
  const sqs = new SQSClient(clientConfig);
  const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });

  const createQueue = (name: string, attributes: Record<string, string> = {}): DemoQueue =>
    server.createQueue(name, { attributes });

  return {
    endpoint,
    region: DEMO_REGION,
    sqs,
    s3,
    createQueue,
    createResources(names) {
      const { bucketName } = server.createBucket(names.bucket);
      const dlq = createQueue(`${names.queue}-dlq`);
      const queue = createQueue(names.queue, {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlq.queueArn,
          maxReceiveCount: String(names.dlqMaxReceiveCount),
        }),
      });
      const topic = (suffix: string, raw: boolean): string => {
        const topicName = `${names.queue}-${suffix}`;
        const { topicArn } = server.createTopic(topicName);
        server.subscribe({
          topic: topicName,
          queue: queue.queueName,
          attributes: { RawMessageDelivery: raw ? 'true' : 'false' },
        });
        return topicArn;
      };
      return {
        bucket: bucketName,
        queue,
        dlq,
        dlqMaxReceiveCount: names.dlqMaxReceiveCount,
        envelopedTopicArn: topic('sns', false),
        rawTopicArn: topic('sns-raw', true),
      };
    },
    queueDepth(queueName) {
      const state = server.inspectQueue(queueName);
      if (!state) throw new Error(`fauxqs has no queue named ${queueName}`);
      return {
        ready: state.messages.ready.length,
        delayed: state.messages.delayed.length,
        inFlight: state.messages.inflight.length,
      };
    },
    publish: (topicArn, message) => publishToSns(endpoint, topicArn, message),
    async stop() {
      sqs.destroy();
      s3.destroy();
      await server.stop();
    },
  };
}

export const isDrained = (depth: QueueDepth): boolean =>
  depth.ready === 0 && depth.delayed === 0 && depth.inFlight === 0;

/**
 * SNS Publish over the query API, as the SDK would send it: the project has no SNS client, and
 * fauxqs delivers the message to the subscribed queues (enveloped or raw) like SNS does.
 */
export async function publishToSns(endpoint: string, topicArn: string, message: string): Promise<void> {
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      Action: 'Publish',
      Version: '2010-03-31',
      TopicArn: topicArn,
      Message: message,
    }),
  });
  if (!response.ok) {
    throw new Error(`SNS Publish to ${topicArn} failed: HTTP ${response.status} ${await response.text()}`);
  }
}
