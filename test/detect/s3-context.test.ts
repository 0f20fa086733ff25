import { describe, expect, it } from 'vitest';
import { ObjectEvent } from '../../src/detect/object-event.js';
import {
  partitionFromLogKey,
  regionFromHostHeader,
  s3AccessAlertContext,
} from '../../src/logs/s3-access/context.js';

describe('S3 access alert context', () => {
  it.each([
    ['bucket.s3.us-west-2.amazonaws.com', 'us-west-2'],
    ['bucket.s3-eu-west-1.amazonaws.com', 'eu-west-1'],
    ['bucket.s3.dualstack.ap-southeast-2.amazonaws.com', 'ap-southeast-2'],
    ['s3.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
    ['bucket.s3.amazonaws.com', null],
    ['example.com', null],
  ])('region of host %s is %s', (host, region) => {
    expect(regionFromHostHeader(host)).toBe(region);
  });

  it('reads account and region from a partitioned log key', () => {
    expect(
      partitionFromLogKey('logs/123456789012/eu-central-1/my-bucket/2024/03/10/2024-03-10-03-00-00-ABC'),
    ).toEqual({
      accountId: '123456789012',
      region: 'eu-central-1',
    });
    expect(partitionFromLogKey('logs/2024-03-10-03-00-00-ABC')).toBeNull();
  });

  it('prefers the source region, then the access point, host header and log key', () => {
    const source = { bucket: 'logs', key: 'p/123456789012/eu-central-1/b/2024/03/10/x', line: 3 };
    const base = {
      operation: 'REST.GET.OBJECT',
      bucket: 'b',
      requester: null,
      hostheader: 'b.s3.us-west-2.amazonaws.com',
    };
    expect(s3AccessAlertContext(new ObjectEvent(base, { source }))).toMatchObject({
      eventName: 'REST.GET.OBJECT',
      eventSource: 's3.amazonaws.com',
      awsRegion: 'us-west-2',
      recipientAccountId: '123456789012',
      userIdentity: null,
      bucket: 'b',
    });
    expect(s3AccessAlertContext(new ObjectEvent({ ...base, sourceregion: 'us-east-2' })).awsRegion).toBe(
      'us-east-2',
    );
    const viaAccessPoint = new ObjectEvent({
      bucket: 'b',
      accesspointarn: 'arn:aws:s3:ap-south-1:210987654321:accesspoint/ap',
    });
    expect(s3AccessAlertContext(viaAccessPoint)).toMatchObject({
      awsRegion: 'ap-south-1',
      recipientAccountId: '210987654321',
    });
    expect(s3AccessAlertContext(new ObjectEvent({ bucket: 'b' }, { source }))).toMatchObject({
      awsRegion: 'eu-central-1',
    });
  });
});
