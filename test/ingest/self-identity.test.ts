import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/logs/event.js';
import {
  createOwnReadPredicate,
  identityFromArn,
  ownUserAgent,
  resolveSelfIdentity,
  userAgentHasMarker,
} from '../../src/ingest/self-identity.js';
import { startFauxqsHarness, type FauxqsHarness } from '../helpers/fauxqs.js';

/** A LogEvent over a plain record (a GetObject unless said otherwise), with case-insensitive lookup. */
function event(fields: Record<string, unknown>): LogEvent {
  const record = { operation: 'REST.GET.OBJECT', httpstatus: 200, bucket: 'access-logs', ...fields };
  const lower = new Map(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    logType: 'AWS.S3ServerAccess',
    get: (field) => lower.get(field.toLowerCase()),
    eventTimeMs: undefined,
    source: undefined,
    toJSON: () => record,
  };
}

const OUR_UA = `aws-sdk-js/3.1175.0 ua/2.1 os/linux#6.1 lang/js md/nodejs#20.20.2 api/s3#3.1175.0 m/E ${ownUserAgent('0.1.0')}`;
const ROLE = 'arn:aws:sts::123456789012:assumed-role/s3-sentinel-reader/i-0abc123';

/** The buckets the daemon reads its log objects from. */
const READ_BUCKETS = new Set(['access-logs']);

describe('isOwnRead', () => {
  const isOwnRead = createOwnReadPredicate(identityFromArn(ROLE), READ_BUCKETS);

  it('is true only when the requester is our role AND the user agent carries our marker', () => {
    expect(isOwnRead(event({ requester: ROLE, useragent: OUR_UA }))).toBe(true);
  });

  it('is false for anything but a GetObject, even with our identity and marker (stolen credentials)', () => {
    for (const operation of [
      'REST.PUT.OBJECT',
      'REST.DELETE.OBJECT',
      'REST.PUT.ACL',
      'BATCH.DELETE.OBJECT',
      'REST.HEAD.OBJECT', // the daemon never sends a HEAD
      'REST.GET.BUCKET', // nor lists (only `scan` does, and it excludes nothing)
    ])
      expect(isOwnRead(event({ requester: ROLE, useragent: OUR_UA, operation }))).toBe(false);
  });

  it('is false for a read that failed, or of a bucket the daemon does not read (probing with stolen credentials)', () => {
    expect(isOwnRead(event({ requester: ROLE, useragent: OUR_UA, httpstatus: 206 }))).toBe(true);
    expect(isOwnRead(event({ requester: ROLE, useragent: OUR_UA, httpstatus: 403 }))).toBe(false);
    expect(isOwnRead(event({ requester: ROLE, useragent: OUR_UA, bucket: 'customer-pii' }))).toBe(false);
  });

  it('ignores the session name, which changes when role credentials refresh', () => {
    expect(
      isOwnRead(
        event({
          requester: 'arn:aws:sts::123456789012:assumed-role/s3-sentinel-reader/i-0def456',
          userAgent: OUR_UA,
        }),
      ),
    ).toBe(true);
  });

  it('is false for a forged user agent from another principal (the attacker hiding)', () => {
    expect(isOwnRead(event({ requester: 'arn:aws:iam::123456789012:user/mallory', useragent: OUR_UA }))).toBe(
      false,
    );
    expect(
      isOwnRead(
        event({
          requester: 'arn:aws:sts::123456789012:assumed-role/s3-sentinel-reader-2/x',
          useragent: OUR_UA,
        }),
      ),
    ).toBe(false);
    expect(
      isOwnRead(
        event({
          requester: 'arn:aws:sts::999999999999:assumed-role/s3-sentinel-reader/x',
          useragent: OUR_UA,
        }),
      ),
    ).toBe(false);
  });

  it('is false for our role used by something else (a person with the role from a laptop)', () => {
    expect(isOwnRead(event({ requester: ROLE, useragent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1' }))).toBe(
      false,
    );
    expect(isOwnRead(event({ requester: ROLE, useragent: 'aws-cli/2.15.0 not-s3-sentinel/1' }))).toBe(false);
    expect(isOwnRead(event({ requester: ROLE, useragent: null }))).toBe(false);
    expect(isOwnRead(event({ requester: null, useragent: OUR_UA }))).toBe(false);
  });

  it('compares IAM users by their whole ARN', () => {
    const asUser = createOwnReadPredicate(
      identityFromArn('arn:aws:iam::123456789012:user/ops/sentinel'),
      READ_BUCKETS,
    );
    expect(
      asUser(event({ requester: 'arn:aws:iam::123456789012:user/ops/sentinel', useragent: OUR_UA })),
    ).toBe(true);
    expect(
      asUser(event({ requester: 'arn:aws:iam::123456789012:user/ops/sentinel2', useragent: OUR_UA })),
    ).toBe(false);
  });

  it('parses assumed-role ARNs of other partitions', () => {
    expect(identityFromArn('arn:aws-us-gov:sts::123456789012:assumed-role/r/s')).toEqual({
      kind: 'assumed-role',
      arn: 'arn:aws-us-gov:sts::123456789012:assumed-role/r/s',
      partition: 'aws-us-gov',
      account: '123456789012',
      roleName: 'r',
    });
  });

  it('finds the marker only as a whole token with a version', () => {
    expect(userAgentHasMarker('s3-sentinel/0.1.0')).toBe(true);
    expect(userAgentHasMarker('x s3-sentinel/ y')).toBe(false);
    expect(userAgentHasMarker('xs3-sentinel/0.1.0')).toBe(false);
  });
});

describe('resolveSelfIdentity against fauxqs STS', () => {
  let fauxqs: FauxqsHarness;
  beforeAll(async () => {
    fauxqs = await startFauxqsHarness();
  });
  afterAll(async () => {
    await fauxqs.stop();
  });

  it('reads the caller identity', async () => {
    expect(await resolveSelfIdentity(fauxqs.sts)).toEqual({
      kind: 'other',
      arn: 'arn:aws:iam::000000000000:root',
      account: '000000000000',
    });
  });
});
