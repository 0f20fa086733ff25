import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listObjects, parseS3Url } from '../../src/ingest/s3-prefix-lister.js';
import { startFauxqsHarness, type FauxqsHarness } from '../helpers/fauxqs.js';

let fauxqs: FauxqsHarness;
beforeAll(async () => {
  fauxqs = await startFauxqsHarness();
});
afterAll(async () => {
  await fauxqs.stop();
});

describe('parseS3Url', () => {
  it('splits bucket and prefix', () => {
    expect(parseS3Url('s3://logs/access/2024/')).toEqual({ bucket: 'logs', prefix: 'access/2024/' });
    expect(parseS3Url('s3://logs')).toEqual({ bucket: 'logs', prefix: '' });
  });
  it('names the bad input', () => {
    expect(() => parseS3Url('https://logs/x')).toThrow(
      'not an S3 URL (expected s3://bucket/prefix): https://logs/x',
    );
    expect(() => parseS3Url('s3:///x')).toThrow(/not an S3 URL/);
  });
});

describe('listObjects against fauxqs', () => {
  it('pages through every key under the prefix and nothing else', async () => {
    const bucket = fauxqs.createBucket();
    const keys = Array.from({ length: 7 }, (_, i) => `access/2024-05-01-00-00-0${i}-ABC`);
    for (const key of [...keys, 'other/2024-05-01-00-00-00-XYZ']) {
      await fauxqs.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `line ${key}\n` }));
    }
    const refs = [];
    for await (const ref of listObjects(fauxqs.s3, parseS3Url(`s3://${bucket}/access/`), {
      pageSize: 3,
      region: 'eu-west-1',
    })) {
      refs.push(ref);
    }
    expect(refs.map((r) => r.key)).toEqual(keys);
    expect(
      refs.every(
        (r) => r.bucket === bucket && r.region === 'eu-west-1' && r.size === `line ${r.key}\n`.length,
      ),
    ).toBe(true);
  });
});
