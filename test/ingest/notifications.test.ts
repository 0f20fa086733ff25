import { describe, expect, it } from 'vitest';
import { decodeNotificationKey, parseNotification } from '../../src/ingest/notifications.js';
import {
  eventBridgeEvent,
  s3Notification,
  s3Record,
  s3TestEvent,
  snsEnvelope,
} from '../helpers/notification-fixtures.js';

const EVENT_TIME_MS = Date.parse('2024-05-01T12:34:56.789Z');

describe('decodeNotificationKey', () => {
  it.each([
    ['logs/2024-05-01-12-00-00-ABC', 'logs/2024-05-01-12-00-00-ABC'],
    ['my+log+file', 'my log file'],
    ['a%2Bb', 'a+b'],
    ['caf%C3%A9%3D1', 'café=1'],
    ['100%25+done', '100% done'],
    ['bad%escape', 'bad%escape'],
  ])('%s → %s', (encoded, decoded) => {
    expect(decodeNotificationKey(encoded)).toBe(decoded);
  });
});

describe('parseNotification: S3 → SQS direct', () => {
  it('returns one ref per created object, with decoded key, size, time and region', () => {
    const body = s3Notification(
      {
        bucket: 'access-logs',
        encodedKey: 'prefix/123456789012/us-east-1/src/2024/05/01/2024-05-01-12-00-00-A+B',
        size: 3163,
        region: 'us-east-1',
      },
      { bucket: 'access-logs', encodedKey: 'prefix/second%2Bone', size: 7 },
    );
    expect(parseNotification(body)).toEqual({
      kind: 'objects',
      envelope: 's3',
      ignored: [],
      refs: [
        {
          bucket: 'access-logs',
          key: 'prefix/123456789012/us-east-1/src/2024/05/01/2024-05-01-12-00-00-A B',
          size: 3163,
          eventTimeMs: EVENT_TIME_MS,
          region: 'us-east-1',
        },
        {
          bucket: 'access-logs',
          key: 'prefix/second+one',
          size: 7,
          eventTimeMs: EVENT_TIME_MS,
          region: 'us-west-2',
        },
      ],
    });
  });

  it('skips non-create records but keeps the others of the same message', () => {
    const body = s3Notification(
      { bucket: 'b', encodedKey: 'deleted', eventName: 'ObjectRemoved:Delete' },
      { bucket: 'b', encodedKey: 'copied', eventName: 'ObjectCreated:Copy' },
    );
    const result = parseNotification(body);
    expect(result).toMatchObject({ kind: 'objects', ignored: ['not-object-created'] });
    expect(result.kind === 'objects' && result.refs.map((r) => r.key)).toEqual(['copied']);
  });

  it('ignores a message with only non-create events', () => {
    const body = s3Notification({
      bucket: 'b',
      encodedKey: 'x',
      eventName: 'ObjectRemoved:DeleteMarkerCreated',
    });
    expect(parseNotification(body)).toEqual({
      kind: 'ignored',
      ignored: ['not-object-created'],
      envelope: 's3',
    });
  });

  it('ignores the s3:TestEvent', () => {
    expect(parseNotification(s3TestEvent('access-logs'))).toEqual({
      kind: 'ignored',
      ignored: ['test-event'],
      envelope: 's3',
    });
  });
});

describe('parseNotification: S3 → SNS → SQS', () => {
  it('unwraps the SNS envelope', () => {
    const body = snsEnvelope(s3Notification({ bucket: 'logs', encodedKey: 'a+b' }));
    expect(parseNotification(body)).toMatchObject({
      kind: 'objects',
      envelope: 'sns',
      refs: [{ bucket: 'logs', key: 'a b' }],
    });
  });

  it('reads raw delivery like a direct notification', () => {
    expect(parseNotification(s3Notification({ bucket: 'logs', encodedKey: 'k' }))).toMatchObject({
      kind: 'objects',
      refs: [{ key: 'k' }],
    });
  });

  it('ignores a test event inside the envelope', () => {
    expect(parseNotification(snsEnvelope(s3TestEvent('logs')))).toEqual({
      kind: 'ignored',
      ignored: ['test-event'],
      envelope: 'sns',
    });
  });

  it('calls an envelope whose Message is not JSON poison', () => {
    expect(parseNotification(snsEnvelope('hello world'))).toMatchObject({
      kind: 'poison',
      reason: 'not-json',
    });
  });
});

describe('parseNotification: S3 → EventBridge → SQS', () => {
  it('reads Object Created without form-decoding the key', () => {
    expect(parseNotification(eventBridgeEvent({ bucket: 'eb', key: 'a+b c', size: 9 }))).toEqual({
      kind: 'objects',
      envelope: 'eventbridge',
      ignored: [],
      refs: [
        {
          bucket: 'eb',
          key: 'a+b c',
          size: 9,
          eventTimeMs: Date.parse('2024-05-01T12:34:56Z'),
          region: 'ca-central-1',
        },
      ],
    });
  });

  it('ignores other detail types', () => {
    expect(
      parseNotification(eventBridgeEvent({ bucket: 'eb', key: 'k', detailType: 'Object Deleted' })),
    ).toEqual({
      kind: 'ignored',
      ignored: ['not-object-created'],
      envelope: 'eventbridge',
    });
  });
});

// The reader asks for exactly what was announced, so that content replaced or deleted between the
// notification and the read cannot stand in for it.
describe('parseNotification: the announced version and ETag', () => {
  it('keeps versionId and eTag of an S3 record, the ETag quoted for If-Match', () => {
    const body = s3Notification(
      {
        bucket: 'b',
        encodedKey: 'k1',
        eTag: 'd41d8cd98f00b204e9800998ecf8427e',
        versionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY',
      },
      { bucket: 'b', encodedKey: 'k2', eTag: '"1f2e3d4c5b6a79881f2e3d4c5b6a7988-12"', versionId: 'null' },
      { bucket: 'b', encodedKey: 'k3', eTag: 'not an etag', versionId: 'bad version id' },
    );
    const result = parseNotification(body);
    expect(result.kind === 'objects' && result.refs).toMatchObject([
      {
        key: 'k1',
        versionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY',
        etag: '"d41d8cd98f00b204e9800998ecf8427e"',
      },
      { key: 'k2', etag: '"1f2e3d4c5b6a79881f2e3d4c5b6a7988-12"' }, // a suspended bucket's `null` version
      { key: 'k3' },
    ]);
    const [, suspended, junk] = result.kind === 'objects' ? result.refs : [];
    expect(suspended).not.toHaveProperty('versionId');
    expect(junk).not.toHaveProperty('versionId');
    expect(junk).not.toHaveProperty('etag');
  });

  // A forwarder or a hand-built batch may list one object twice: read it once.
  it('keeps one ref for an object listed twice in a message, but both versions of a key', () => {
    const body = s3Notification(
      { bucket: 'b', encodedKey: 'k', versionId: 'v1' },
      { bucket: 'b', encodedKey: 'k', versionId: 'v1' },
      { bucket: 'b', encodedKey: 'k', versionId: 'v2' },
    );
    const result = parseNotification(body);
    expect(result.kind === 'objects' && result.refs.map((ref) => ref.versionId)).toEqual(['v1', 'v2']);
  });

  it('keeps version-id and etag of an EventBridge event', () => {
    const body = eventBridgeEvent({
      bucket: 'b',
      key: 'k',
      etag: 'b1946ac92492d2347c6235b4d2611184',
      versionId: 'v.2',
    });
    const result = parseNotification(body);
    expect(result.kind === 'objects' && result.refs[0]).toMatchObject({
      versionId: 'v.2',
      etag: '"b1946ac92492d2347c6235b4d2611184"',
    });
  });
});

describe('parseNotification: a byte-order mark', () => {
  it('reads a body, or an SNS Message, that starts with one', () => {
    const body = s3Notification({ bucket: 'b', encodedKey: 'k' });
    expect(parseNotification(`\uFEFF${body}`)).toMatchObject({ kind: 'objects', refs: [{ key: 'k' }] });
    expect(parseNotification(snsEnvelope(`\uFEFF${body}`))).toMatchObject({ kind: 'objects' });
  });
});

describe('parseNotification: filters', () => {
  const body = s3Notification(
    { bucket: 'logs', encodedKey: 'access/one' },
    { bucket: 'logs', encodedKey: 'cloudtrail/two' },
    { bucket: 'own-logs', encodedKey: 'access/three' },
  );

  it('keeps only keys under the configured prefixes and drops ignored buckets', () => {
    const result = parseNotification(body, { keyPrefixes: ['access/'], ignoreBuckets: ['own-logs'] });
    expect(result).toMatchObject({ kind: 'objects', ignored: ['key-prefix-filtered', 'bucket-ignored'] });
    expect(result.kind === 'objects' && result.refs.map((r) => `${r.bucket}/${r.key}`)).toEqual([
      'logs/access/one',
    ]);
  });

  it('matches prefixes against the decoded key', () => {
    const result = parseNotification(s3Notification({ bucket: 'b', encodedKey: 'my+logs/x' }), {
      keyPrefixes: ['my logs/'],
    });
    expect(result).toMatchObject({ kind: 'objects', refs: [{ key: 'my logs/x' }] });
  });

  it('ignores a message whose every object is filtered out', () => {
    expect(parseNotification(body, { keyPrefixes: ['nothing/'] })).toEqual({
      kind: 'ignored',
      ignored: ['key-prefix-filtered', 'key-prefix-filtered', 'key-prefix-filtered'],
      envelope: 's3',
    });
  });
});

describe('parseNotification: poison', () => {
  it.each([
    ['not JSON', 'definitely not json', 'not-json'],
    ['a JSON string', '"just a string"', 'unknown-envelope'],
    ['a JSON array', '[1,2]', 'unknown-envelope'],
    ['an unrelated object', '{"hello":"world"}', 'unknown-envelope'],
    ['empty Records', '{"Records":[]}', 'malformed-record'],
    [
      'a record without a key',
      JSON.stringify({
        Records: [
          { ...s3Record({ bucket: 'b', encodedKey: 'k' }), s3: { bucket: { name: 'b' }, object: {} } },
        ],
      }),
      'malformed-record',
    ],
    [
      'EventBridge without a bucket',
      JSON.stringify({ source: 'aws.s3', 'detail-type': 'Object Created', detail: { object: { key: 'k' } } }),
      'malformed-record',
    ],
  ])('%s', (_name, body, reason) => {
    const result = parseNotification(body);
    expect(result).toMatchObject({ kind: 'poison', reason });
    expect(result.kind === 'poison' && result.detail.length).toBeGreaterThan(0);
  });

  // A cross-account topic subscribes the queue with this message: until the URL is opened, no
  // notification ever arrives, so the warning must carry it.
  it('names an SNS subscription confirmation with its topic and SubscribeURL', () => {
    const url =
      'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:111122223333:logs&Token=2336412f37';
    const result = parseNotification(
      JSON.stringify({
        Type: 'SubscriptionConfirmation',
        MessageId: 'm',
        Token: '2336412f37',
        TopicArn: 'arn:aws:sns:us-east-1:111122223333:logs',
        Message: 'You have chosen to subscribe to the topic …',
        SubscribeURL: url,
      }),
    );
    expect(result).toMatchObject({ kind: 'poison', reason: 'sns-subscription' });
    expect(result.kind === 'poison' && result.detail).toContain(url);
    expect(result.kind === 'poison' && result.detail).toContain('arn:aws:sns:us-east-1:111122223333:logs');
  });

  it('keeps a preview of a non-JSON body short', () => {
    const result = parseNotification('x'.repeat(10_000));
    expect(result.kind === 'poison' && result.detail.length).toBeLessThan(120);
  });

  it('keeps the key names of an unknown envelope short in its log detail', () => {
    const result = parseNotification(JSON.stringify({ ['k'.repeat(200_000)]: 1, other: 2 }));
    expect(result).toMatchObject({ kind: 'poison', reason: 'unknown-envelope' });
    expect(result.kind === 'poison' && result.detail.length).toBeLessThan(200);
    expect(result.kind === 'poison' && result.detail).toContain(',other');
  });

  // The reader keeps an S3 client per region: junk regions must not make it build clients without end.
  it('keeps only region codes, in S3 and EventBridge notifications', () => {
    for (const [region, kept] of [
      ['us-gov-west-1', 'us-gov-west-1'],
      ['ap-southeast-10', 'ap-southeast-10'],
      ['fake-region-%d', undefined],
      ['x'.repeat(5000), undefined],
      ['US-EAST-1', undefined],
    ] as const) {
      for (const body of [
        s3Notification({ bucket: 'b', encodedKey: 'k', region }),
        eventBridgeEvent({ bucket: 'b', key: 'k', region }),
      ]) {
        const result = parseNotification(body);
        expect(result.kind === 'objects' && result.refs[0]!.region).toBe(kept);
      }
    }
  });

  it('calls a body nested 100,000 deep poison, directly or inside SNS, without throwing', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    for (const body of [deep, JSON.stringify({ Type: 'Notification', Message: deep })]) {
      expect(parseNotification(body)).toMatchObject({ kind: 'poison', reason: 'unknown-envelope' });
    }
  });

  it('keeps good records when one record of the message is malformed', () => {
    const body = JSON.stringify({
      Records: [{ eventName: 'ObjectCreated:Put' }, s3Record({ bucket: 'b', encodedKey: 'ok' })],
    });
    expect(parseNotification(body)).toMatchObject({
      kind: 'objects',
      ignored: ['malformed-record'],
      refs: [{ key: 'ok' }],
    });
  });
});
