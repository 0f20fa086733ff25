/**
 * What the demo puts on the emulator: log objects in the bucket, then one notification per
 * supported envelope on the queue (S3 direct with two records, SNS with and without the envelope
 * through real topic subscriptions, EventBridge), the S3 test event and a message that is not a
 * notification at all. Returns what the daemon should end up having processed.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { DemoEmulator, DemoResources } from './emulator.js';
import { accessLogKey, buildLogObject, uploadLogObject, type LogObject } from './log-objects.js';
import {
  eventBridgeNotification,
  s3EventNotification,
  s3TestEvent,
  type ObjectRef,
} from './notifications.js';

export interface Delivery {
  /** How the notification reached the queue, for the reader. */
  route: string;
  objects: LogObject[];
}

export interface Scenario {
  objects: LogObject[];
  deliveries: Delivery[];
  /** Messages that name no object: the test event and a non-JSON body. */
  extraMessages: string[];
  lines: number;
}

const LINES_PER_OBJECT = 2_000;
const FIRST_LOG_TIME = Date.UTC(2026, 10, 27);
const HOUR_MS = 3_600_000;

function logObjects(): LogObject[] {
  const at = (hour: number) => new Date(FIRST_LOG_TIME + hour * HOUR_MS);
  return [
    { key: accessLogKey('logs/', at(0), '7D3A9E5C41B2F6A0'), seed: 1 },
    // A space in the key: S3 notifications write it as `+`, which the daemon must decode.
    { key: accessLogKey('logs/manual upload/', at(1), '0C9F2B7E6D5A4C31'), seed: 2 },
    { key: accessLogKey('logs/', at(2), 'A41E0D9C2B6F7385'), seed: 3 },
    { key: accessLogKey('logs/', at(3), '5B8C3F1A0E2D9764'), seed: 4 },
    // A gzip'd copy: no extension needed, the daemon goes by the magic bytes.
    { key: accessLogKey('logs/archive/', at(4), 'E6F7A8B9C0D1E2F3'), seed: 5, gzip: true },
  ].map((spec) => buildLogObject({ ...spec, lines: LINES_PER_OBJECT }));
}

export async function runScenario(emulator: DemoEmulator, resources: DemoResources): Promise<Scenario> {
  const objects = logObjects();
  const etags = new Map<LogObject, string | undefined>();
  for (const object of objects)
    etags.set(object, await uploadLogObject(emulator.s3, resources.bucket, object));
  const [first, second, third, fourth, fifth] = objects as [
    LogObject,
    LogObject,
    LogObject,
    LogObject,
    LogObject,
  ];

  const ref = (object: LogObject): ObjectRef => ({
    bucket: resources.bucket,
    key: object.key,
    size: object.body.length,
    etag: etags.get(object),
  });
  const send = (body: string) =>
    emulator.sqs.send(new SendMessageCommand({ QueueUrl: resources.queue.queueUrl, MessageBody: body }));

  const deliveries: Delivery[] = [
    { route: 'S3 → SQS, two records in one message', objects: [first, second] },
    { route: 'S3 → SNS → SQS (SNS envelope)', objects: [third] },
    { route: 'S3 → SNS → SQS (raw message delivery)', objects: [fourth] },
    { route: 'S3 → EventBridge → SQS', objects: [fifth] },
  ];
  await send(s3EventNotification([ref(first), ref(second)], emulator.region));
  await emulator.publish(resources.envelopedTopicArn, s3EventNotification([ref(third)], emulator.region));
  await emulator.publish(resources.rawTopicArn, s3EventNotification([ref(fourth)], emulator.region));
  await send(eventBridgeNotification(ref(fifth), emulator.region));

  const extraMessages = ['s3:TestEvent (sent when a notification is configured)', 'a body that is not JSON'];
  await send(s3TestEvent(resources.bucket));
  await send('this is not a notification');

  return {
    objects,
    deliveries,
    extraMessages,
    lines: objects.reduce((sum, object) => sum + object.lines, 0),
  };
}
