/**
 * `scan s3://bucket/prefix` (backfill) against fauxqs: plain and gzip objects over several
 * listing pages give exactly the alerts — same ids, same contents, same lines — that a scan of
 * the same lines from a local file gives, with `{bucket, key, line}` sources.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/alert.js';
import { runScan, type ScanSessionOptions } from '../../src/cli/scan-session.js';
import { parseConfig, type Config } from '../../src/config/index.js';
import { ScanSourceError } from '../../src/pipeline/scan.js';
import type { SourceRef } from '../../src/logs/event.js';
import { FAUXQS_CREDENTIALS, startFauxqsHarness, type FauxqsHarness } from '../helpers/fauxqs.js';
import { startS3FaultProxy, type S3Fault, type S3FaultProxy } from '../helpers/s3-fault-proxy.js';
import { capturingLogger } from '../sinks/helpers.js';
import {
  accessLine,
  alertKey,
  captureStream,
  expectedAlertKeys,
  lineSpecs,
  writeTestRules,
} from './scan-fixtures.js';

const run = promisify(execFile);
const OBJECTS = 7;
const specs = lineSpecs(210);
const lines = specs.map(accessLine);
const rulesDir = writeTestRules();
const dir = mkdtempSync(join(tmpdir(), 's3s-scan-s3-'));
const localFile = join(dir, 'all.log');
writeFileSync(localFile, `${lines.join('\n')}\n`);

let fauxqs: FauxqsHarness;
let bucket: string;
let config: Config;
/** Where each line of the local file went: local line n (1-based) → its object and line. */
const placement: Array<{ key: string; line: number }> = [];

beforeAll(async () => {
  fauxqs = await startFauxqsHarness();
  bucket = fauxqs.createBucket();
  const perObject = Math.ceil(lines.length / OBJECTS);
  for (let i = 0; i < OBJECTS; i++) {
    // Keys sort in listing order; every other object is gzip'd (under a name that does not say so).
    const key = `logs/2024-03-10-0${i}-00-00-${i % 2 === 0 ? 'PLAIN' : 'GZIPD'}`;
    const part = lines.slice(i * perObject, (i + 1) * perObject);
    part.forEach((_, index) => placement.push({ key, line: index + 1 }));
    const text = `${part.join('\n')}\n`;
    await fauxqs.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: i % 2 === 0 ? text : gzipSync(text) }),
    );
  }
  // Outside the prefix: must not be read.
  await fauxqs.s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: 'other/x', Body: `${lines.join('\n')}\n` }),
  );
  // A gzip magic followed by garbage: unreadable, reported, and the scan goes on.
  await fauxqs.s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: 'bad/corrupt',
      Body: Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5]),
    }),
  );
  config = parseConfig(`
s3: { endpoint: "${fauxqs.endpoint}", region: ${fauxqs.region}, forcePathStyle: true }
rules: { builtin: false, paths: [${JSON.stringify(rulesDir)}], disabled: [Test.Scan.EveryGet] }
`);
}, 60_000);

/**
 * fauxqs behind a proxy that can fail listing requests, as S3 does now and then half-way through
 * a large prefix: `fault` is asked for each ListObjectsV2 request (n counts them from 0).
 */
let proxy: S3FaultProxy | undefined;
let proxyConfig: Config;
let listings: string[] = [];
let fault: (n: number, url: string) => S3Fault = () => undefined;

beforeAll(async () => {
  proxy = await startS3FaultProxy(fauxqs.endpoint, (url) =>
    url.includes('list-type=2') ? fault(listings.push(url) - 1, url) : undefined,
  );
  proxyConfig = parseConfig(`
s3: { endpoint: "${proxy.endpoint}", region: ${fauxqs.region}, forcePathStyle: true }
rules: { builtin: false, paths: [${JSON.stringify(rulesDir)}], disabled: [Test.Scan.EveryGet] }
`);
});

/** `s3-sentinel scan ARGS…` as a process, with fauxqs's credentials. */
function runScanCli(args: string[]) {
  return run('npx', ['tsx', 'src/cli.ts', 'scan', ...args], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: FAUXQS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: FAUXQS_CREDENTIALS.secretAccessKey,
    },
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** The first listing request of a prefix, when every path is checked: one key. */
const isProbe = (url: string) => url.includes('max-keys=1&') || url.endsWith('max-keys=1');

afterAll(async () => {
  await proxy?.close();
  await fauxqs?.stop();
});

async function scanToStdout(paths: string[], extra: Partial<ScanSessionOptions> = {}) {
  const { stream, alerts } = captureStream();
  const result = await runScan({
    paths,
    config,
    logger: capturingLogger().logger,
    stdout: stream,
    s3: { credentials: { ...FAUXQS_CREDENTIALS }, pageSize: 2 },
    ...extra,
  });
  return { result, alerts: alerts() };
}

/** The alert without its origin, which necessarily differs between a file and an object. */
function withoutOrigin(alert: Alert) {
  const { source: _source, event, ...rest } = alert;
  const {
    p_source: _pSource,
    p_parse_time: _parsed,
    p_row_id: _row,
    ...record
  } = event as Record<string, unknown>;
  return { ...rest, event: record };
}

/** The alert without what differs between two parses of one line (parse time, row id). */
function withoutParseRun(alert: Alert) {
  const { p_parse_time: _parsed, p_row_id: _row, ...record } = alert.event as Record<string, unknown>;
  return { ...alert, event: record };
}

describe('scan s3://bucket/prefix', () => {
  it('gives the alerts of the same lines in a local file, with bucket/key/line sources', async () => {
    const local = await scanToStdout([localFile]);
    const backfill = await scanToStdout([`s3://${bucket}/logs/`]);

    expect(backfill.result.counts).toMatchObject({
      inputs: OBJECTS,
      inputErrors: 0,
      lines: lines.length,
      records: lines.length,
      alerts: local.alerts.length,
    });
    expect(backfill.alerts.map(alertKey).sort()).toEqual(expectedAlertKeys(specs));
    // Same order, same contents: objects are scanned in listing order whatever the read-ahead.
    expect(backfill.alerts.map(withoutOrigin)).toEqual(local.alerts.map(withoutOrigin));
    // Each alert points at the object and line that holds the local file's line.
    backfill.alerts.forEach((alert, index) => {
      const localSource = local.alerts[index]?.source as { file: string; line: number };
      const where = placement[localSource.line - 1] as { key: string; line: number };
      expect(alert.source).toEqual({ bucket, key: where.key, line: where.line } satisfies SourceRef);
      expect((alert.event as { p_source: unknown }).p_source).toEqual(alert.source);
    });
    expect(backfill.alerts.some((a) => (a.source as { key: string }).key.endsWith('GZIPD'))).toBe(true);
  });

  it('reads objects one at a time as well as eight ahead, with the same result', async () => {
    const eager = await scanToStdout([`s3://${bucket}/logs/`]);
    const serial = await scanToStdout([`s3://${bucket}/logs/`], {
      s3: { credentials: { ...FAUXQS_CREDENTIALS }, pageSize: 1000, readAhead: 1 },
    });
    expect(serial.alerts.map(withoutParseRun)).toEqual(eager.alerts.map(withoutParseRun));
  });

  it('mixes local paths and prefixes in one scan, with one dedup over both', async () => {
    const both = await scanToStdout([localFile, `s3://${bucket}/logs/`]);
    expect(both.result.counts).toMatchObject({ inputs: OBJECTS + 1, lines: 2 * lines.length });
    // The second copy of every line falls in windows that are already open.
    expect(both.alerts.map(alertKey).sort()).toEqual(expectedAlertKeys(specs));
    expect(both.alerts.every((a) => 'file' in (a.source as object))).toBe(true);
  });

  it('reports an unreadable object by name and goes on with the others', async () => {
    const failures: string[] = [];
    const { result } = await scanToStdout([`s3://${bucket}/bad/`, `s3://${bucket}/logs/`], {
      onInputError: (name) => failures.push(name),
    });
    expect(failures).toEqual([`s3://${bucket}/bad/corrupt`]);
    expect(result.counts).toMatchObject({ inputs: OBJECTS + 1, inputErrors: 1, lines: lines.length });
  });

  it('fails with the prefix named when the bucket does not exist', async () => {
    await expect(scanToStdout(['s3://no-such-bucket-here/logs/'])).rejects.toThrow(ScanSourceError);
    await expect(scanToStdout(['s3://no-such-bucket-here/logs/'])).rejects.toThrow(
      /^s3:\/\/no-such-bucket-here\/logs\/: cannot list objects \(NoSuchBucket\)$/,
    );
  });

  // Alerts of the local file would otherwise be delivered before the typo stops the scan.
  it('checks every prefix before it reads anything', async () => {
    const { stream, alerts } = captureStream();
    await expect(
      runScan({
        paths: [localFile, 's3://no-such-bucket-here/logs/'],
        config,
        logger: capturingLogger().logger,
        stdout: stream,
        s3: { credentials: { ...FAUXQS_CREDENTIALS } },
      }),
    ).rejects.toThrow(/no-such-bucket-here\/logs\/: cannot list objects \(NoSuchBucket\)/);
    expect(alerts()).toEqual([]);
  });

  // Ctrl-C on a large bucket usually lands while a listing page is on its way.
  it('ends as interrupted, not as an error, when stopped while a listing hangs', async () => {
    const hanging = createServer(() => undefined); // answers nothing
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
      const interrupt = new AbortController();
      setTimeout(() => interrupt.abort(), 300);
      const result = await runScan({
        paths: [localFile, 's3://hanging-bucket/logs/'],
        config: parseConfig(`s3: { endpoint: "${endpoint}", region: us-east-1, forcePathStyle: true }\n`),
        logger: capturingLogger().logger,
        stdout: captureStream().stream,
        s3: { credentials: { ...FAUXQS_CREDENTIALS } },
        signal: interrupt.signal,
      });
      expect(result.counts).toMatchObject({ interrupted: true, lines: 0 });
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  // One 503 on page N of a large prefix stopped the backfill with exit 2, after alerts were sent.
  it('asks again for a listing page that failed with throttling or a reset connection', async () => {
    listings = [];
    let tokens = 0;
    fault = (_n, url) => {
      if (!url.includes('continuation-token')) return undefined;
      tokens += 1;
      return tokens === 1 ? 'slowdown' : tokens === 3 ? 'reset' : undefined;
    };
    const logs = capturingLogger();
    const { result, alerts } = await scanToStdout([`s3://${bucket}/logs/`], {
      config: proxyConfig,
      logger: logs.logger,
    });
    expect(result.counts).toMatchObject({ inputs: OBJECTS, inputErrors: 0, lines: lines.length });
    expect(alerts.map(alertKey).sort()).toEqual(expectedAlertKeys(specs));
    expect(tokens).toBeGreaterThanOrEqual(5);
    expect(logs.text()).toMatch(/"errorCode":"SlowDown".*"msg":"ListObjectsV2 failed; retrying"/);
    expect(logs.text()).toMatch(/"errorCode":"ECONNRESET".*"msg":"ListObjectsV2 failed; retrying"/);
  });

  it('reports a listing that keeps failing part-way as an unreadable input, after the objects listed', async () => {
    listings = [];
    fault = (_n, url) => (url.includes('continuation-token') ? 'slowdown' : undefined);
    const failures: Array<{ name: string; message: string }> = [];
    const { result, alerts } = await scanToStdout([`s3://${bucket}/logs/`], {
      config: proxyConfig,
      onInputError: (name, error) => failures.push({ name, message: error.message }),
    });
    // pageSize 2: the first page's two objects are scanned, then the prefix is reported.
    const firstTwo = [...new Set(placement.map((p) => p.key))].slice(0, 2);
    const linesListed = placement.filter((p) => firstTwo.includes(p.key)).length;
    expect(result.counts).toMatchObject({ inputs: 3, inputErrors: 1, lines: linesListed });
    expect(failures).toEqual([
      {
        name: `s3://${bucket}/logs/`,
        message:
          `s3://${bucket}/logs/: cannot list objects after s3://${bucket}/${firstTwo[1]} (SlowDown); ` +
          'the objects up to it were scanned, the ones after it were not',
      },
    ]);
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((a) => firstTwo.includes((a.source as { key: string }).key))).toBe(true);
    // The failing page was asked for 4 times (GetObject's maxAttempts), with the same token.
    const failing = listings.filter((url) => url.includes('continuation-token'));
    expect(failing).toHaveLength(4);
    expect(new Set(failing).size).toBe(1);
  });

  // A wrong access key was reported as AccessDenied, which sends users to IAM.
  it('names the credentials error when the first listing is refused, before anything is read', async () => {
    fault = () => 'bad-key';
    await expect(scanToStdout([localFile, `s3://${bucket}/logs/`], { config: proxyConfig })).rejects.toThrow(
      new RegExp(`^s3://${bucket}/logs/: cannot list objects \\(InvalidAccessKeyId\\)$`),
    );
  });

  it('runs from the command line with the s3 section of the config', async () => {
    const configFile = join(dir, 's3.yaml');
    writeFileSync(
      configFile,
      `s3: { endpoint: "${fauxqs.endpoint}", region: ${fauxqs.region}, forcePathStyle: true }\n` +
        `rules: { builtin: false, paths: [${JSON.stringify(rulesDir)}], disabled: [Test.Scan.EveryGet] }\n`,
    );
    const { stdout, stderr } = await runScanCli(['--config', configFile, `s3://${bucket}/logs/`]);
    const alerts = stdout
      .split('\n')
      .filter(Boolean)
      .map((text) => JSON.parse(text) as Alert);
    expect(alerts.map(alertKey).sort()).toEqual(expectedAlertKeys(specs));
    expect(stderr).toMatch(new RegExp(`scan: ${lines.length} lines, .*\\(${OBJECTS} inputs, `));
    expect(stderr).toMatch(
      new RegExp(`deliveries: stdout ${alerts.length} delivered / 0 already delivered / 0 failed`),
    );
  });

  // Exit 2 means bad usage, found before anything is read: not a listing that broke off later.
  it('exits 1 with the summary when a listing fails after the scan started', async () => {
    const configFile = join(dir, 's3-proxy.yaml');
    writeFileSync(
      configFile,
      `s3: { endpoint: "${proxyConfig.s3.endpoint}", region: ${fauxqs.region}, forcePathStyle: true }\n` +
        `rules: { builtin: false, paths: [${JSON.stringify(rulesDir)}], disabled: [Test.Scan.EveryGet] }\n`,
    );
    // Every path is checked (one key listed); then the local file is scanned, its alerts sent, and
    // the prefix's listing fails for good.
    fault = (_n, url) => (isProbe(url) ? undefined : 'slowdown');
    const failed = await runScanCli(['--config', configFile, localFile, `s3://${bucket}/logs/`]).then(
      () => undefined,
      (err: unknown) => err as { code: number; stdout: string; stderr: string },
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout.split('\n').filter(Boolean).length).toBe(expectedAlertKeys(specs).length);
    expect(failed?.stderr).toContain(
      `s3-sentinel scan: s3://${bucket}/logs/: cannot list objects (SlowDown); nothing under it was scanned\n`,
    );
    expect(failed?.stderr).toMatch(new RegExp(`scan: ${lines.length} lines, .*\\(2 inputs, 1 unreadable, `));
  });
});
