/**
 * Notification bodies shaped like the examples in the AWS documentation: "Event message
 * structure" (S3 → SQS, version 2.1), "EventBridge event message structure" (Object Created), and
 * the SNS → SQS envelope of "Fanout to Amazon SQS queues".
 */

export interface S3RecordInput {
  bucket: string;
  /** As S3 writes it in the notification: form-encoded. */
  encodedKey: string;
  size?: number;
  eventName?: string;
  eventTime?: string;
  region?: string;
  /**
   * The object's ETag as S3 writes it (unquoted). Left out when not given: the reader pins what it
   * reads to it, and a test does not know the ETags fauxqs gives its objects.
   */
  eTag?: string;
  versionId?: string;
}

export function s3Record(input: S3RecordInput): Record<string, unknown> {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: input.region ?? 'us-west-2',
    eventTime: input.eventTime ?? '2024-05-01T12:34:56.789Z',
    eventName: input.eventName ?? 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:AIDAEXAMPLEID' },
    requestParameters: { sourceIPAddress: '192.0.2.10' },
    responseElements: {
      'x-amz-request-id': 'C3D13FE58DE4C810',
      'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'access-logs',
      bucket: {
        name: input.bucket,
        ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
        arn: `arn:aws:s3:::${input.bucket}`,
      },
      object: {
        key: input.encodedKey,
        size: input.size ?? 1024,
        ...(input.eTag !== undefined && { eTag: input.eTag }),
        ...(input.versionId !== undefined && { versionId: input.versionId }),
        sequencer: '0055AED6DCD90281E5',
      },
    },
  };
}

/** S3 → SQS direct (and S3 → SNS → SQS with raw message delivery). */
export function s3Notification(...records: S3RecordInput[]): string {
  return JSON.stringify({ Records: records.map(s3Record) });
}

export function s3TestEvent(bucket: string): string {
  return JSON.stringify({
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: '2024-05-01T12:00:00.000Z',
    Bucket: bucket,
    RequestId: '5582815E1AEA5ADF',
    HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE',
  });
}

/** The envelope SNS wraps around a message it delivers to SQS without raw delivery. */
export function snsEnvelope(message: string): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: '63a3f6b6-d533-4a47-aef9-fcf5cf758c76',
    TopicArn: 'arn:aws:sns:us-west-2:123456789012:s3-access-logs',
    Subject: 'Amazon S3 Notification',
    Message: message,
    Timestamp: '2024-05-01T12:34:57.012Z',
    SignatureVersion: '1',
    Signature:
      'EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=',
    SigningCertURL:
      'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
    UnsubscribeURL:
      'https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-west-2:123456789012:s3-access-logs:c7fe3a54-ab0e-4ec2-88e0-db410a0f2bee',
  });
}

export function eventBridgeEvent(input: {
  bucket: string;
  key: string;
  size?: number;
  detailType?: string;
  time?: string;
  region?: string;
  /** Unquoted, as EventBridge writes it; left out when not given (see S3RecordInput.eTag). */
  etag?: string;
  versionId?: string;
}): string {
  return JSON.stringify({
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': input.detailType ?? 'Object Created',
    source: 'aws.s3',
    account: '111122223333',
    time: input.time ?? '2024-05-01T12:34:56Z',
    region: input.region ?? 'ca-central-1',
    resources: [`arn:aws:s3:::${input.bucket}`],
    detail: {
      version: '0',
      bucket: { name: input.bucket },
      object: {
        key: input.key,
        size: input.size ?? 5,
        ...(input.etag !== undefined && { etag: input.etag }),
        ...(input.versionId !== undefined && { 'version-id': input.versionId }),
        sequencer: '617f08299329d189',
      },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      'source-ip-address': '1.2.3.4',
      reason: 'PutObject',
    },
  });
}
