/**
 * A 50 MB log object through the real daemon (child process): every insecure line alerts, and the
 * daemon's resident memory grows by far less than the object's size — the body is streamed, never
 * held. The figure is printed; timing is not asserted (benchmarks measure speed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAccessLogRecords } from '../../bench/generate.js';
import { startFauxqsHarness, type FauxqsHarness } from '../helpers/fauxqs.js';
import { waitFor } from '../helpers/logs.js';
import { s3Notification } from '../helpers/notification-fixtures.js';
import {
  queueDepth,
  rawConfig,
  sendMessage,
  startReceiver,
  useFauxqsEnvironment,
  writeTestRules,
  type Receiver,
} from './helpers.js';

const OBJECT_BYTES = 50 * 1024 * 1024;
/**
 * Streaming costs a constant ~60 MB of heap headroom (measured: the same for 50 and 100 MB
 * objects); a daemon that held the object would add its 50 MB on top and pass this bound.
 */
const MAX_RSS_GROWTH_BYTES = 96 * 1024 * 1024;

let fauxqs: FauxqsHarness;
let receiver: Receiver;
let child: ChildProcess | undefined;

beforeAll(async () => {
  fauxqs = await startFauxqsHarness();
  receiver = await startReceiver();
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await receiver?.close();
  await fauxqs?.stop();
});

/** ~50 MB of generated lines and the keys of the lines the test rule must alert on. */
function generateObject(): { body: Buffer; insecureKeys: Set<string> } {
  const lines: string[] = [];
  const insecureKeys = new Set<string>();
  let bytes = 0;
  for (const { line, expected } of generateAccessLogRecords(Number.MAX_SAFE_INTEGER, 7, {
    insecureRatio: 0.0002,
  })) {
    if (bytes >= OBJECT_BYTES) break;
    lines.push(line);
    bytes += Buffer.byteLength(line) + 1;
    const objectOperation = /^REST\..*\.OBJECT$/.test(String(expected.operation));
    if (objectOperation && expected.ciphersuite === null) insecureKeys.add(String(expected.key));
  }
  return { body: Buffer.from(lines.join('\n') + '\n'), insecureKeys };
}

/** Multipart upload: a single PUT is capped at 11 MiB by the emulator, as at 5 GB by S3. */
async function putLargeObject(bucket: string, key: string, body: Buffer): Promise<void> {
  const PART_BYTES = 8 * 1024 * 1024;
  const { UploadId } = await fauxqs.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const parts = [];
  for (let offset = 0, number = 1; offset < body.length; offset += PART_BYTES, number++) {
    const part = await fauxqs.s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        PartNumber: number,
        Body: body.subarray(offset, offset + PART_BYTES),
      }),
    );
    parts.push({ PartNumber: number, ETag: part.ETag });
  }
  await fauxqs.s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
}

/** Resident and peak resident memory of a process, from /proc (Linux). */
async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

describe.skipIf(!existsSync('/proc/self/status'))('s3-sentinel run: a 50 MB object', () => {
  it('alerts on every insecure line with bounded memory', async () => {
    const env = useFauxqsEnvironment(fauxqs);
    const queue = fauxqs.createQueue();
    const bucket = fauxqs.createBucket();
    const { body, insecureKeys } = generateObject();
    expect(insecureKeys.size).toBeGreaterThan(3);
    await putLargeObject(bucket, 'big.log', body);

    const dir = await mkdtemp(join(tmpdir(), 's3-sentinel-big-'));
    const config = join(dir, 'config.yaml');
    const raw = rawConfig({ fauxqs, queue, rulesDir: await writeTestRules(), receiverUrl: receiver.url });
    await writeFile(
      config,
      stringify({ ...raw, sqs: { ...(raw.sqs as object), visibilityTimeoutSeconds: 120 } }),
    );
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'run', '--config', config], {
      env: { ...process.env, ...env, NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = proc;
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    await waitFor(() => stderr.includes('s3-sentinel daemon started'), 'the daemon to start', 20_000);
    const before = await memoryOf(proc.pid!);

    await sendMessage(fauxqs, queue, s3Notification({ bucket, encodedKey: 'big.log', size: body.length }));
    await waitFor(() => queueDepth(fauxqs, queue) === 0, 'the object to be processed', 60_000);
    const after = await memoryOf(proc.pid!);
    proc.kill('SIGTERM');
    await new Promise((resolve) => proc.on('exit', resolve));

    const alerted = new Set(receiver.accepted.map((a) => a.title.replace(/^insecure /, '')));
    expect(alerted).toEqual(insecureKeys);
    const processed = stderr.split('\n').find((l) => l.includes('"msg":"log object processed"'));
    expect(JSON.parse(processed!)).toMatchObject({
      outcome: 'processed',
      bytes: body.length,
      parseErrors: 0,
    });
    const growth = after.peak - before.rss;
    console.log(
      `50 MB object: RSS ${mb(before.rss)} MB before, peak ${mb(after.peak)} MB, growth ${mb(growth)} MB; ` +
        `${insecureKeys.size} alerts; ${JSON.parse(processed!).seconds as number} s`,
    );
    expect(growth).toBeLessThan(MAX_RSS_GROWTH_BYTES);
  }, 90_000);
});

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
