/**
 * The real CLI in a child process: exit codes, signals, and a SIGTERM in the middle of an object
 * followed by a restart, with dedup and the delivery ledger in DynamoDB (dynalite) so that state
 * survives the restart as it does in production.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDynalite, type DynaliteHarness } from '../helpers/dynalite.js';
import { startFauxqsHarness, uniqueName, type FauxqsHarness } from '../helpers/fauxqs.js';
import { waitFor } from '../helpers/logs.js';
import { s3Notification } from '../helpers/notification-fixtures.js';
import {
  logLine,
  putObject,
  queueDepth,
  rawConfig,
  sendMessage,
  startReceiver,
  useFauxqsEnvironment,
  writeTestRules,
  type ConfigInput,
  type Receiver,
} from './helpers.js';

let fauxqs: FauxqsHarness;
let dynalite: DynaliteHarness;
let env: Record<string, string>;
let rulesDir: string;
let dir: string;
let receiver: Receiver;
const children: ChildProcess[] = [];

beforeAll(async () => {
  [fauxqs, dynalite] = await Promise.all([startFauxqsHarness(), startDynalite()]);
  env = useFauxqsEnvironment(fauxqs);
  rulesDir = await writeTestRules();
  dir = await mkdtemp(join(tmpdir(), 's3-sentinel-run-'));
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await receiver?.close();
});
afterAll(async () => {
  await Promise.all([fauxqs?.stop(), dynalite?.stop()]);
});

interface Run {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
  started: () => Promise<void>;
}

function runCli(configFile: string): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'run', '--config', configFile], {
    env: { ...process.env, ...env, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const started = () =>
    waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`run exited with ${child.exitCode}: ${stderr}`);
        return stderr.includes('s3-sentinel daemon started');
      },
      'the daemon to start',
      20_000,
    );
  return { child, stderr: () => stderr, exited, started };
}

async function writeConfig(config: Record<string, unknown>): Promise<string> {
  const file = join(dir, `${uniqueName('config')}.yaml`);
  await writeFile(file, stringify(config));
  return file;
}

async function configFor(overrides: Partial<ConfigInput> = {}) {
  receiver = await startReceiver();
  const queue = fauxqs.createQueue();
  const config = rawConfig({ fauxqs, queue, rulesDir, receiverUrl: receiver.url, ...overrides });
  return { queue, file: await writeConfig(config) };
}

describe('s3-sentinel run (child process)', () => {
  it('exits 2 and lists the problems of a bad config', async () => {
    const file = await writeConfig({ sqs: { queueUrl: 'not a url', maxMessages: 11 }, colour: 'red' });
    const run = runCli(file);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('sqs.queueUrl');
    expect(run.stderr()).toContain('sqs.maxMessages');
    expect(run.stderr()).toContain('colour: unknown key');
  });

  it('exits 2 when the config has no sqs section', async () => {
    const run = runCli(await writeConfig({ log: { level: 'info' } }));
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('sqs.queueUrl: required');
  });

  // A rules volume that is not mounted would otherwise leave the daemon running without them.
  it('exits 2 when a rules path cannot be read or an enabled rule id names no rule', async () => {
    receiver = await startReceiver();
    const config = rawConfig({ fauxqs, queue: fauxqs.createQueue(), rulesDir, receiverUrl: receiver.url });
    const missing = join(dir, 'not-mounted');
    // An enabled rule whose file does not validate: the operator must be told why, not only that
    // its id names no rule.
    const siteRules = await mkdtemp(join(dir, 'site-rules-'));
    await writeFile(
      join(siteRules, 'site.yml'),
      'AnalysisType: rule\nRuleID: Site.Rule\nLogTypes: [AWS.S3ServerAccess]\nSeverity: Hgh\nDetection:\n  - Condition: AlwaysTrue\n',
    );
    const run = runCli(
      await writeConfig({
        ...config,
        rules: { builtin: false, paths: [rulesDir, missing, siteRules], enabled: ['Typo', 'Site.Rule'] },
      }),
    );
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain(`${missing}: cannot read rules: ENOENT`);
    expect(run.stderr()).toContain('rules.enabled: "Typo" names no loaded rule');
    expect(run.stderr()).toMatch(/site\.yml.*Severity/);
  });

  // A proxy or wrong endpoint answering 404: the SDK's message alone is "Unknown".
  it('names the error and HTTP status when the start-up STS check fails', async () => {
    const sts = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => sts.listen(0, '127.0.0.1', resolve));
    const saved = env.AWS_ENDPOINT_URL_STS;
    env.AWS_ENDPOINT_URL_STS = `http://127.0.0.1:${(sts.address() as AddressInfo).port}`;
    try {
      const { file } = await configFor();
      const run = runCli(file);
      expect(await run.exited).toBe(1);
      expect(run.stderr()).toMatch(/cannot start: sts:GetCallerIdentity failed: \w+: .*\(HTTP 404\)/);
    } finally {
      if (saved === undefined) delete env.AWS_ENDPOINT_URL_STS;
      else env.AWS_ENDPOINT_URL_STS = saved;
      sts.close();
    }
  });

  it('exits 1 with a clear message when the queue does not exist', async () => {
    const { file } = await configFor({
      queue: { queueName: 'nope', queueUrl: `${fauxqs.endpoint}/000000000000/nope`, queueArn: 'x' },
    });
    const run = runCli(file);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(/cannot start: cannot read SQS queue .*\/nope/);
  });

  it('stops gracefully on SIGINT and exits 0', async () => {
    const { file } = await configFor();
    const run = runCli(file);
    await run.started();
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toContain('"msg":"stopped"');
  });

  // `nohup s3-sentinel run`: Node resets nohup's "ignore SIGHUP", so a logout used to end it.
  it('ignores SIGHUP when its logs do not go to a terminal', async () => {
    const { file } = await configFor();
    const run = runCli(file); // stderr is a pipe
    await run.started();
    run.child.kill('SIGHUP');
    run.child.kill('SIGTERM'); // delivered after SIGHUP (lower signal numbers first)
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toContain('"msg":"stopped"');
  });

  it('exits at once on a second signal', async () => {
    const { file, queue } = await configFor({ graceSeconds: 60 });
    receiver.delayMs = 30_000;
    const bucket = fauxqs.createBucket();
    await putObject(fauxqs, bucket, 'log', logLine('k'));
    const run = runCli(file);
    await run.started();
    await sendMessage(fauxqs, queue, s3Notification({ bucket, encodedKey: 'log' }));
    await waitFor(() => receiver.attempts === 0 && run.stderr().includes('SQS consumer started'), 'polling');
    await waitFor(async () => (await pendingRequests()) > 0, 'a delivery under way');
    run.child.kill('SIGTERM');
    await waitFor(() => run.stderr().includes('"msg":"stopping"'), 'the graceful stop to begin');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(143);
  });

  it('after a SIGTERM mid-object and a restart, delivers every alert exactly once', async () => {
    const table = await dynalite.createTable();
    const { file, queue } = await configFor({
      graceSeconds: 0,
      dedup: { store: 'dynamodb', dynamodb: { tableName: table, endpoint: dynalite.endpoint } },
    });
    const bucket = fauxqs.createBucket();
    const p = uniqueName('restart');
    const keys = Array.from({ length: 12 }, (_, i) => `${p}/${i}`);
    await putObject(fauxqs, bucket, `${p}/log`, keys.map((k) => logLine(k)).join('\n'));
    // The webhook takes 4 alerts at a time and 3 s each: the SIGTERM lands after the first four,
    // the four requests then under way finish (a sent request is not cut off), the last four wait.
    receiver.delayMs = 3_000;
    const first = runCli(file);
    await first.started();
    await sendMessage(fauxqs, queue, s3Notification({ bucket, encodedKey: `${p}/log` }));
    await waitFor(() => receiver.accepted.length >= 4, 'the first alerts', 20_000);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const deliveredBeforeRestart = receiver.accepted.length;
    expect(deliveredBeforeRestart).toBeLessThan(keys.length);
    expect(queueDepth(fauxqs, queue)).toBe(1);

    receiver.delayMs = 0;
    const second = runCli(file);
    await second.started();
    await waitFor(() => queueDepth(fauxqs, queue) === 0, 'the message to be deleted', 20_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    expect(receiver.accepted.map((a) => a.title.replace('insecure ', '')).sort()).toEqual([...keys].sort());
    expect([...receiver.countsById().values()].every((n) => n === 1)).toBe(true);
  }, 60_000);
});

/** Requests the receiver has read but not answered yet. */
async function pendingRequests(): Promise<number> {
  return receiver.attempts - receiver.accepted.length;
}
