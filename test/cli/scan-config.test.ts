/**
 * `scan --config`: alerts reach the configured sinks — real HTTP servers on 127.0.0.1 standing in
 * for Slack and PagerDuty — exactly once each, a warm ledger makes a re-scan deliver nothing new,
 * and a refusing sink fails the scan without holding back the other one or leaking its URL.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryDeliveryLedger } from '../../src/alert/ledger-memory.js';
import { parseConfig } from '../../src/config/index.js';
import { runScan } from '../../src/cli/scan-session.js';
import { startDynalite } from '../helpers/dynalite.js';
import { capturingLogger, startReceiver, type Receiver, type ReceivedRequest } from '../sinks/helpers.js';
import {
  accessLine,
  alertKey,
  captureStream,
  DELETE_RULE,
  DISABLED_RULE,
  expectedAlertKeys,
  lineSpecs,
  writeTestRules,
} from './scan-fixtures.js';

const run = promisify(execFile);

const specs = lineSpecs(240);
const dir = mkdtempSync(join(tmpdir(), 's3s-scan-config-'));
const logFile = join(dir, 'access.log');
writeFileSync(logFile, `${specs.map(accessLine).join('\n')}\nnot an access log line\n`);
const rulesDir = writeTestRules();
const expected = expectedAlertKeys(specs);
const expectedHigh = expected.filter((key) => key.startsWith(`${DELETE_RULE} `));
const ROUTING_KEY = 'R0UT1NGKEYFORSCANTESTS0000000000';

const CONFIG = `
rules:
  builtin: false
  paths: [${JSON.stringify(rulesDir)}]
  disabled: [${DISABLED_RULE}]
sinks:
  - type: slack
    name: team-slack
    webhookUrl: "\${SCAN_TEST_SLACK_URL}"
    minSeverity: LOW
    minIntervalMs: 0
    maxAlertsPerMessage: 1
  - type: pagerduty
    name: oncall
    routingKey: "\${SCAN_TEST_PD_KEY}"
    url: "\${SCAN_TEST_PD_URL}"
    minSeverity: HIGH
`;

let receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});

async function receivers2(pagerDutyStatus = 202) {
  const slack = await startReceiver(() => ({ status: 200, body: 'ok' }));
  const pagerDuty = await startReceiver(() => ({
    status: pagerDutyStatus,
    body: pagerDutyStatus === 202 ? '{"status":"success"}' : '{"status":"invalid event","errors":["bad"]}',
  }));
  receivers.push(slack, pagerDuty);
  // A path on the URLs: the part of a real webhook URL that is the secret.
  const env = {
    SCAN_TEST_SLACK_URL: `${slack.url}/services/T000/B000/SLACKSECRET`,
    SCAN_TEST_PD_URL: `${pagerDuty.url}/v2/enqueue`,
    SCAN_TEST_PD_KEY: ROUTING_KEY,
  };
  return { slack, pagerDuty, env };
}

/** The alert id each Slack message is about (one alert per message in this config). */
function slackAlertIds(requests: ReceivedRequest[]): string[] {
  return requests.map((request) => {
    const ids = [...request.body.matchAll(/Alert `([^`]+)`/g)].map((m) => m[1] as string);
    expect(ids).toHaveLength(1);
    return ids[0] as string;
  });
}

function pagerDutyEvents(requests: ReceivedRequest[]) {
  return requests.map(
    (request) => JSON.parse(request.body) as { routing_key: string; event_action: string; dedup_key: string },
  );
}

describe('scan --config delivers to the configured sinks', () => {
  it('delivers each alert exactly once per matching sink, and nothing new on a re-scan with a warm ledger', async () => {
    const { slack, pagerDuty, env } = await receivers2();
    const config = parseConfig(CONFIG, { env, origin: 'scan-config.yaml' });
    const ledger = new MemoryDeliveryLedger();
    const { logger } = capturingLogger();

    const first = await runScan({ paths: [logFile], config, ledger, logger });
    expect(first.counts).toMatchObject({ lines: 241, parseErrors: 1, alerts: expected.length });
    expect(first.ruleProblems).toBe(0);

    // Slack (LOW and up) got every alert once; PagerDuty (HIGH and up) only the deletions.
    const slackIds = slackAlertIds(slack.requests);
    expect(new Set(slackIds).size).toBe(slackIds.length);
    expect(slackIds).toHaveLength(expected.length);
    expect(
      slack.requests.every((r) => r.method === 'POST' && r.path === '/services/T000/B000/SLACKSECRET'),
    ).toBe(true);
    expect(
      slack.requests.every((r) => typeof (JSON.parse(r.body) as { text?: unknown }).text === 'string'),
    ).toBe(true);
    const events = pagerDutyEvents(pagerDuty.requests);
    expect(events).toHaveLength(expectedHigh.length);
    expect(events.every((e) => e.routing_key === ROUTING_KEY && e.event_action === 'trigger')).toBe(true);
    expect(new Set(events.map((e) => e.dedup_key)).size).toBe(events.length);
    // Every PagerDuty event is one of the alerts Slack got: the same ids reach both.
    expect(events.every((e) => slackIds.includes(e.dedup_key))).toBe(true);

    expect(first.deliveries).toEqual([
      { sink: 'team-slack', delivered: expected.length, alreadyDelivered: 0, failed: 0 },
      { sink: 'oncall', delivered: expectedHigh.length, alreadyDelivered: 0, failed: 0 },
    ]);

    // The same scan again in this process: the same alerts open, and the ledger stops them.
    const second = await runScan({
      paths: [logFile],
      config,
      ledger,
      logger,
      onProgress: () => undefined,
    });
    expect(second.counts.alerts).toBe(expected.length);
    expect(slack.requests).toHaveLength(expected.length);
    expect(pagerDuty.requests).toHaveLength(expectedHigh.length);
    expect(second.deliveries).toEqual([
      { sink: 'team-slack', delivered: 0, alreadyDelivered: expected.length, failed: 0 },
      { sink: 'oncall', delivered: 0, alreadyDelivered: expectedHigh.length, failed: 0 },
    ]);
  });

  it('opens exactly the alerts of the enabled rules (stdout sink, the default)', async () => {
    const { stream, alerts } = captureStream();
    const config = parseConfig(
      `rules: { builtin: false, paths: [${JSON.stringify(rulesDir)}], disabled: [${DISABLED_RULE}] }`,
    );
    const result = await runScan({
      paths: [logFile],
      config,
      logger: capturingLogger().logger,
      stdout: stream,
    });
    expect(alerts().map(alertKey).sort()).toEqual(expected);
    expect(result.deliveries).toEqual([
      { sink: 'stdout', delivered: expected.length, alreadyDelivered: 0, failed: 0 },
    ]);
  });

  // As run and check-config: a misspelt id would leave the rule it meant running (or off).
  it('reports a rules.disabled id that names no rule and reads nothing', async () => {
    const config = parseConfig(
      `rules: { builtin: false, paths: [${JSON.stringify(rulesDir)}], disabled: [No.Such] }`,
    );
    const problems: string[] = [];
    const { stream, alerts } = captureStream();
    await expect(
      runScan({
        paths: [logFile],
        config,
        logger: capturingLogger().logger,
        stdout: stream,
        onRuleProblem: (p) => problems.push(`${p.file}: ${p.message}`),
      }),
    ).rejects.toMatchObject({ name: 'ScanSetupError', kind: 'config' });
    expect(problems).toEqual(['rules.disabled: "No.Such" names no loaded rule']);
    expect(alerts()).toEqual([]);
  });
});

describe('scan --config with the ledger in DynamoDB (dynalite)', () => {
  it('a later scan sends only what an earlier one failed to deliver', async () => {
    const dynalite = await startDynalite();
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    try {
      const tableName = await dynalite.createTable();
      let pagerDutyUp = false;
      const slack = await startReceiver(() => ({ status: 200, body: 'ok' }));
      const pagerDuty = await startReceiver(() =>
        pagerDutyUp ? { status: 202, body: '{}' } : { status: 503 },
      );
      receivers.push(slack, pagerDuty);
      const env = {
        SCAN_TEST_SLACK_URL: `${slack.url}/hook`,
        SCAN_TEST_PD_URL: `${pagerDuty.url}/v2/enqueue`,
        SCAN_TEST_PD_KEY: ROUTING_KEY,
      };
      const text = `${CONFIG}    retry: { maxAttempts: 1 }
dedup:
  store: dynamodb
  dynamodb: { tableName: ${tableName}, endpoint: "${dynalite.endpoint}", region: us-east-1 }
`;
      const config = parseConfig(text, { env });
      const { logger } = capturingLogger();

      // Two separate scans, no ledger shared in memory: only the table connects them.
      const first = await runScan({ paths: [logFile], config, logger });
      expect(first.deliveries).toEqual([
        { sink: 'team-slack', delivered: expected.length, alreadyDelivered: 0, failed: 0 },
        { sink: 'oncall', delivered: 0, alreadyDelivered: 0, failed: expectedHigh.length },
      ]);
      // Down: after its first failure each alert got at most one attempt.
      const triedWhileDown = pagerDuty.requests.length;
      expect(triedWhileDown).toBeGreaterThan(0);
      expect(triedWhileDown).toBeLessThanOrEqual(expectedHigh.length);
      pagerDutyUp = true;
      const second = await runScan({ paths: [logFile], config, logger });
      expect(second.deliveries).toEqual([
        { sink: 'team-slack', delivered: 0, alreadyDelivered: expected.length, failed: 0 },
        { sink: 'oncall', delivered: expectedHigh.length, alreadyDelivered: 0, failed: 0 },
      ]);
      expect(slack.requests).toHaveLength(expected.length);
      const delivered = pagerDutyEvents(pagerDuty.requests.slice(triedWhileDown));
      expect(new Set(delivered.map((e) => e.dedup_key)).size).toBe(expectedHigh.length);

      // A table that does not exist stops the scan before it sends anything: otherwise every
      // ledger read would fail and each re-scan would send everything again.
      const wrongTable = parseConfig(text.replace(`tableName: ${tableName}`, 'tableName: no-such-table'), {
        env,
      });
      await expect(runScan({ paths: [logFile], config: wrongTable, logger })).rejects.toThrow(
        /^DynamoDB table no-such-table \(dedup.dynamodb, the delivery ledger\): /,
      );
      expect(slack.requests).toHaveLength(expected.length);
    } finally {
      vi.unstubAllEnvs();
      await dynalite.stop();
    }
  });
});

describe('s3-sentinel scan --config (the command)', () => {
  async function cli(args: string[], env: Record<string, string>) {
    return run('npx', ['tsx', 'src/cli.ts', 'scan', ...args], {
      cwd: process.cwd(),
      env: { ...process.env, ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
  }

  it('exits 1 when a sink refuses (400), still delivers everything to the other, and never prints a URL', async () => {
    const { slack, pagerDuty, env } = await receivers2(400);
    const configFile = join(dir, 'refusing.yaml');
    writeFileSync(configFile, CONFIG);
    const failure = await cli(['--config', configFile, logFile], env).then(
      () => {
        throw new Error('scan should have failed');
      },
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(failure.code).toBe(1);
    expect(failure.stdout).toBe('');
    // Slack is unaffected by PagerDuty's refusals: every alert, once.
    const slackIds = slackAlertIds(slack.requests);
    expect(slackIds).toHaveLength(expected.length);
    expect(new Set(slackIds).size).toBe(expected.length);
    // A 400 is not retried: one request per HIGH alert.
    expect(pagerDuty.requests).toHaveLength(expectedHigh.length);
    expect(failure.stderr).toMatch(
      new RegExp(
        `deliveries: team-slack ${expected.length} delivered / 0 already delivered / 0 failed, ` +
          `oncall 0 delivered / 0 already delivered / ${expectedHigh.length} failed`,
      ),
    );
    expect(failure.stderr).toMatch(/delivery failed permanently/);
    for (const secret of [slack.url, pagerDuty.url, 'SLACKSECRET', ROUTING_KEY, '127.0.0.1'])
      expect(failure.stderr).not.toContain(secret);
  });

  // Ctrl-C must neither hang on a slow destination nor leave claims that block a re-scan.
  it('stops on Ctrl-C: requests under way finish, the rest is given up, exit 130 with a summary', async () => {
    const slow = await startReceiver(() => ({ status: 200, body: 'ok', delayMs: 800 }));
    receivers.push(slow);
    const configFile = join(dir, 'interrupted.yaml');
    writeFileSync(
      configFile,
      `rules: { builtin: false, paths: [${JSON.stringify(rulesDir)}] }\nsinks: [{ type: webhook, name: hook, url: "${slow.url}/in" }]\n`,
    );
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'scan', '-c', configFile, logFile],
      {
        cwd: process.cwd(),
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    while (slow.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const interruptedAt = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(Date.now() - interruptedAt).toBeLessThan(5_000);
    expect(stderr).toContain('interrupted; finishing deliveries under way');
    expect(stderr).toMatch(/scan \(interrupted\): \d+ lines/);
    expect(stderr).toMatch(/hook [1-9]\d* delivered \/ 0 already delivered \/ [1-9]\d* failed/);
    expect(stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  // `tail -f access.log | s3-sentinel scan -`: the pipe never ends, so reading must be cut off.
  it('stops on Ctrl-C while stdin stays open', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'scan', '-'], {
      cwd: process.cwd(),
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.write(readFileSync(logFile)); // and the pipe stays open
    await new Promise((resolve) => child.stdout.once('data', resolve)); // the first alert: lines were read
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.destroy();
    expect(code).toBe(130);
    expect(stderr).toMatch(/scan \(interrupted\): \d+ lines/);
  });

  // `scan --config config/production.yaml s3://…` on a workstation has no queue URL to set.
  it("ignores the daemon's sections, so their variables need not be set", async () => {
    const configFile = join(dir, 'daemon-sections.yaml');
    writeFileSync(
      configFile,
      `sqs: { queueUrl: "\${S3S_UNSET_QUEUE_URL}" }\nserver: { port: "\${S3S_UNSET_PORT}" }\nrules: { builtin: false, paths: [${JSON.stringify(rulesDir)}] }\n`,
    );
    const { stdout, stderr } = await cli(['--config', configFile, logFile], {});
    expect(stderr).toMatch(/^scan: 241 lines/m);
    expect(stdout.trim().split('\n').length).toBeGreaterThan(0);
  });

  it('exits 2 naming a variable the config needs and the environment lacks', async () => {
    const configFile = join(dir, 'unset.yaml');
    writeFileSync(configFile, CONFIG);
    await expect(
      cli(['--config', configFile, logFile], {
        SCAN_TEST_SLACK_URL: 'http://127.0.0.1:9/x',
        SCAN_TEST_PD_KEY: 'k',
      }),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/sinks\[1\]\.url: environment variable SCAN_TEST_PD_URL is not set/),
    });
  });
});
