import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3-sentinel-check-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function checkConfig(yaml: string, env: Record<string, string>) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  return writeFile(file, yaml).then(() =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'check-config', '--config', file], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', ...env },
    }),
  );
}

const CONFIG = `sinks:
  - { type: slack, webhookUrl: "\${SLACK_WEBHOOK_URL}", minSeverity: LOW }
  - { type: pagerduty, routingKey: "\${PAGERDUTY_ROUTING_KEY}", minSeverity: HIGH }
`;

describe('s3-sentinel check-config', () => {
  it('prints the resolved config with secrets masked and exits 0', async () => {
    const run = await checkConfig(CONFIG, {
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T1/B1/VerySecretToken',
      PAGERDUTY_ROUTING_KEY: 'RoutingKeySecret42',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).not.toContain('VerySecretToken');
    expect(run.stdout).not.toContain('RoutingKeySecret42');
    const printed = parse(run.stdout);
    expect(printed.sinks[0]).toMatchObject({
      type: 'slack',
      webhookUrl: 'https://hooks.slack.com/****',
      minIntervalMs: 1000,
    });
    expect(printed.sinks[1]).toMatchObject({ routingKey: '****', url: 'https://events.pagerduty.com/****' });
    expect(printed.dedup).toEqual({ store: 'memory', maxEntries: 100000 });
  });

  // A rules volume that is not mounted, or a misspelt id, would leave detections silently missing.
  it('checks the rules the config names: paths, rule files and enabled/disabled ids', async () => {
    const rulesDir = join(dir, 'rules');
    await mkdir(rulesDir, { recursive: true });
    await writeFile(
      join(rulesDir, 'bad.yml'),
      'AnalysisType: rule\nRuleID: Bad\nLogTypes: [AWS.S3ServerAccess]\n',
    );
    const run = await checkConfig(
      `sinks: [{ type: stdout }]
rules:
  paths: [${rulesDir}, ${join(dir, 'not-mounted')}]
  enabled: [AWS.S3.ServerAccess.IPWhitelist, Typo.Rule]
  disabled: [Another.Typo]
`,
      {},
    );
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${join(dir, 'not-mounted')}: cannot read rules: ENOENT`);
    expect(run.stderr).toContain(`${join(rulesDir, 'bad.yml')}: Severity: is required`);
    expect(run.stderr).toContain('rules.enabled: "Typo.Rule" names no loaded rule');
    expect(run.stderr).toContain('rules.disabled: "Another.Typo" names no loaded rule');
    expect(run.stderr).not.toContain('IPWhitelist');
  });

  // `run` refuses such a config; check-config is where users look when it does.
  it('exits 2 when the config leaves no rule enabled', async () => {
    const run = await checkConfig('sinks: [{ type: stdout }]\nrules: { builtin: false }\n', {});
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('no enabled rules to run');
  });

  it('lists every error with its path and exits 2', async () => {
    const run = await checkConfig(`${CONFIG}log: { level: loud, colour: true }\n`, {
      SLACK_WEBHOOK_URL: 'https://h/x',
    });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      'sinks[1].routingKey: environment variable PAGERDUTY_ROUTING_KEY is not set',
    );
    expect(run.stderr).toContain('log.level: ');
    expect(run.stderr).toContain('log.colour: unknown key');
  });
});
