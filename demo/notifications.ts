/**
 * Notification bodies as AWS writes them (S3 "Event message structure" 2.1, the EventBridge
 * "Object Created" event, the S3 test event). The SNS envelope is not built here: the demo
 * publishes to a real fauxqs SNS topic, which wraps the message itself.
 */

export interface ObjectRef {
  bucket: string;
  /** The key as stored in S3 (not encoded). */
  key: string;
  size: number;
  /** The ETag S3 gave the object (the notification carries it, without quotes). */
  etag?: string;
}

const EVENT_TIME = () => new Date().toISOString();

/** S3 writes keys form-encoded in notifications: `+` for a space, `%XX` for the rest. */
export function formEncodeKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

function s3Record(ref: ObjectRef, region: string): Record<string, unknown> {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: EVENT_TIME(),
    eventName: 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:AIDADEMOEXAMPLE' },
    requestParameters: { sourceIPAddress: '192.0.2.10' },
    responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'demo' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'access-logs',
      bucket: {
        name: ref.bucket,
        ownerIdentity: { principalId: 'A3NL1KOZZKEXAMPLE' },
        arn: `arn:aws:s3:::${ref.bucket}`,
      },
      object: {
        key: formEncodeKey(ref.key),
        size: ref.size,
        ...(ref.etag && { eTag: ref.etag.replaceAll('"', '') }),
        sequencer: '0055AED6DCD90281E5',
      },
    },
  };
}

/** S3 → SQS direct (and what SNS delivers with raw message delivery): one or more records. */
export function s3EventNotification(refs: ObjectRef[], region: string): string {
  return JSON.stringify({ Records: refs.map((ref) => s3Record(ref, region)) });
}

/** S3 → EventBridge → SQS: the rule target receives the event itself. */
export function eventBridgeNotification(ref: ObjectRef, region: string): string {
  return JSON.stringify({
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: EVENT_TIME(),
    region,
    resources: [`arn:aws:s3:::${ref.bucket}`],
    detail: {
      version: '0',
      bucket: { name: ref.bucket },
      object: {
        key: ref.key,
        size: ref.size,
        ...(ref.etag && { etag: ref.etag.replaceAll('"', '') }),
        sequencer: '00617F08299329D189',
      },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      'source-ip-address': '192.0.2.10',
      reason: 'PutObject',
    },
  });
}

/** What S3 sends once when a notification is configured; it names no object. */
export function s3TestEvent(bucket: string): string {
  return JSON.stringify({
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: EVENT_TIME(),
    Bucket: bucket,
    RequestId: '5582815E1AEA5ADF',
    HostId: 'demo',
  });
}
