import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError, maskConfig, parseConfig, type ConfigIssue } from '../../src/config/index.js';
import { PAGERDUTY_US_URL } from '../../src/sinks/index.js';

function issuesOf(yaml: string, env: Record<string, string> = {}): ConfigIssue[] {
  try {
    parseConfig(yaml, { env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected the config to be rejected');
}

const paths = (issues: ConfigIssue[]) => issues.map((i) => i.path);

describe('defaults', () => {
  it('fills every section from an empty file, with stdout as the only sink', () => {
    const config = parseConfig('', { env: {} });
    expect(config.sqs).toBeUndefined();
    expect(config.rules).toEqual({ builtin: true, paths: [], disabled: [], enabled: [], settings: {} });
    expect(config.dedup).toEqual({ store: 'memory', maxEntries: 100_000 });
    expect(config.sinks).toEqual([{ type: 'stdout', name: 'stdout' }]);
    expect(config.server).toEqual({ port: 9090 });
    expect(config.log).toEqual({ level: 'info' });
    expect(config.shutdown).toEqual({ graceSeconds: 30 });
    expect(Object.isFrozen(config.sinks[0])).toBe(true);
  });

  it('derives the visibility heartbeat from the timeout and fills sink defaults', () => {
    const config = parseConfig(
      `sqs: { queueUrl: "https://sqs.eu-west-1.amazonaws.com/1/q", visibilityTimeoutSeconds: 90 }
sinks:
  - { type: pagerduty, routingKey: k }
  - { type: slack, name: sec-alerts, webhookUrl: "https://hooks.slack.com/services/x" }`,
      { env: {} },
    );
    expect(config.sqs).toMatchObject({
      waitTimeSeconds: 20,
      maxMessages: 10,
      concurrency: 8,
      visibilityHeartbeatSeconds: 30,
    });
    expect(config.sinks[0]).toMatchObject({ name: 'pagerduty', url: PAGERDUTY_US_URL });
    expect(config.sinks[1]).toMatchObject({
      name: 'sec-alerts',
      minIntervalMs: 1000,
      maxAlertsPerMessage: 20,
    });
  });
});

describe('errors name their path', () => {
  it('rejects unknown keys at any depth', () => {
    expect(
      paths(
        issuesOf(
          'sqs: { queueUrl: "http://q", waitTime: 5 }\nsinkz: []\nsinks: [{ type: stdout, colour: red }]',
        ),
      ).sort(),
    ).toEqual(['sinks[0].colour', 'sinkz', 'sqs.waitTime']);
  });

  // yaml's own message quotes the alias: a secret written in place would reach the terminal and logs.
  it('names an unquoted value starting with * by its line, without echoing it', () => {
    const issues = issuesOf('sinks:\n  - type: pagerduty\n    routingKey: *R0UTINGKEYSECRET0123\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(
      /line 3: a value starting with \* is read as an alias.*quote the value/,
    );
    expect(JSON.stringify(issues)).not.toContain('R0UTINGKEYSECRET');
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const name of 'bcdefghij')
      bomb.push(
        `${name}: &${name} [${Array(9)
          .fill(`*${String.fromCharCode(name.charCodeAt(0) - 1)}`)
          .join(', ')}]`,
      );
    expect(issuesOf(bomb.join('\n')).map((issue) => issue.message)).toEqual(['YAML: too many aliases']);
  });

  // fetch refuses such headers on every request: the sink would never deliver.
  it('rejects webhook headers fetch cannot send, or that s3-sentinel sets, without echoing them', () => {
    const issues = issuesOf(`sinks:
  - type: webhook
    url: "https://x"
    headers: { Authorization: "Bearer abc\\r\\nX-Injected: 1", X-Euro: "tök€", content-type: text/plain }`);
    expect(issues.map((issue) => `${issue.path}: ${issue.message}`).sort()).toEqual([
      'sinks[0].headers.Authorization: must be printable ASCII or Latin-1 on one line (no CR, LF or NUL)',
      'sinks[0].headers.X-Euro: must be printable ASCII or Latin-1 on one line (no CR, LF or NUL)',
      'sinks[0].headers.content-type: is set by s3-sentinel itself',
    ]);
  });

  it('rejects out-of-range values and broken cross-field rules', () => {
    const issues = issuesOf(`sqs:
  queueUrl: "http://q"
  maxMessages: 11
  waitTimeSeconds: 21
  visibilityTimeoutSeconds: 60
  visibilityHeartbeatSeconds: 60
dedup: { store: dynamodb }
server: { port: 70000 }
sinks:
  - { type: webhook, url: "https://x", retry: { initialBackoffMs: 5000, maxBackoffMs: 1000 } }`);
    expect(paths(issues)).toEqual([
      'sqs.waitTimeSeconds',
      'sqs.maxMessages',
      'sqs.visibilityHeartbeatSeconds',
      'dedup.dynamodb',
      'sinks[0].retry.initialBackoffMs',
      'server.port',
    ]);
    expect(issues.find((i) => i.path === 'sqs.maxMessages')!.message).toContain('10');
    expect(issues.find((i) => i.path === 'sqs.visibilityHeartbeatSeconds')!.message).toContain(
      'must be less than visibilityTimeoutSeconds (60)',
    );
  });

  // The default maxBackoffMs (30 s) bounds initialBackoffMs as a set one does.
  it('rejects an initialBackoffMs above the default maxBackoffMs', () => {
    const issues = issuesOf('sinks: [{ type: stdout, retry: { initialBackoffMs: 40000 } }]');
    expect(paths(issues)).toEqual(['sinks[0].retry.initialBackoffMs']);
    expect(issues[0]!.message).toContain('must not exceed maxBackoffMs (30000, its default)');
    const atDefault = parseConfig('sinks: [{ type: stdout, retry: { initialBackoffMs: 30000 } }]', {
      env: {},
    });
    expect(atDefault.sinks[0]!.retry?.initialBackoffMs).toBe(30000);
  });

  it('rejects an unknown sink type, a bad URL and duplicate names', () => {
    expect(paths(issuesOf('sinks: [{ type: teams }]'))).toEqual(['sinks[0].type']);
    expect(issuesOf('sinks: [{ type: teams }]')[0]!.message).toContain('slack, pagerduty');
    expect(paths(issuesOf('sinks: [{ type: slack, webhookUrl: "hooks.slack.com/x" }]'))).toEqual([
      'sinks[0].webhookUrl',
    ]);
    expect(issuesOf('sinks: [{ type: stdout }, { type: stdout }]')).toEqual([
      { path: 'sinks[1].name', message: expect.stringContaining('duplicate sink name "stdout"') },
    ]);
  });

  it('names a missing environment variable and where it is used, and still reports other problems', () => {
    const issues = issuesOf(
      'sinks:\n  - { type: slack, webhookUrl: "${SLACK_WEBHOOK_URL}" }\n  - { type: pagerduty, routingKey: "${PD_KEY}", minSeverity: URGENT }',
      { PD_KEY: 'abc' },
    );
    expect(issues).toEqual([
      { path: 'sinks[0].webhookUrl', message: 'environment variable SLACK_WEBHOOK_URL is not set' },
      { path: 'sinks[1].minSeverity', message: expect.stringContaining('CRITICAL') },
    ]);
  });

  it('refuses an empty sink list, which would drop every alert', () => {
    expect(issuesOf('sinks: []')).toEqual([
      { path: 'sinks', message: expect.stringContaining('lists no sink') },
    ]);
  });

  it('reports YAML syntax errors and non-mapping documents', () => {
    expect(issuesOf('sinks: [')[0]!.message).toMatch(/^YAML:/);
    expect(issuesOf('- a\n- b')[0]!.message).toContain('mapping');
  });
});

describe('environment interpolation', () => {
  it('replaces ${VAR} inside strings, accepts numbers and booleans from the environment, keeps $${ literal', () => {
    const config = parseConfig(
      `server: { port: "\${PORT}" }
s3: { forcePathStyle: "\${PATH_STYLE}" }
sinks: [{ type: webhook, url: "https://\${HOST}/in?x=$\${literal}" }]`,
      { env: { PORT: '9191', PATH_STYLE: 'true', HOST: 'siem.example.com' } },
    );
    expect(config.server.port).toBe(9191);
    expect(config.s3.forcePathStyle).toBe(true);
    expect(config.sinks[0]).toMatchObject({ url: 'https://siem.example.com/in?x=${literal}' });
  });

  it('treats an empty variable as missing and rejects malformed references', () => {
    expect(issuesOf('log: { level: "${LEVEL}" }', { LEVEL: '' })[0]!.message).toBe(
      'environment variable LEVEL is set but empty',
    );
    expect(issuesOf('log: { level: "${1BAD}" }')[0]).toEqual({
      path: 'log.level',
      message: expect.stringContaining('not a valid variable reference'),
    });
    expect(issuesOf('sinks: [{ type: webhook, url: "https://x.example/${UNCLOSED" }]')[0]).toEqual({
      path: 'sinks[0].url',
      message: expect.stringContaining('"${" is never closed'),
    });
  });
});

describe('masking', () => {
  it('hides keys, secrets, header values and URL paths but keeps the host', () => {
    const config = parseConfig(
      `sinks:
  - { type: slack, webhookUrl: "https://hooks.slack.com/services/T/B/SECRET1" }
  - { type: pagerduty, routingKey: SECRET2, url: "https://events.eu.pagerduty.com/v2/enqueue" }
  - { type: webhook, url: "https://siem.example.com/in?token=SECRET3", secret: SECRET4-0123456789, headers: { Authorization: SECRET5 } }`,
      { env: {} },
    );
    const masked = JSON.stringify(maskConfig(config));
    for (const secret of ['SECRET1', 'SECRET2', 'SECRET3', 'SECRET4', 'SECRET5'])
      expect(masked).not.toContain(secret);
    expect(masked).toContain('https://hooks.slack.com/****');
    expect(masked).toContain('https://events.eu.pagerduty.com/****');
    expect(masked).toContain('"Authorization":"****"');
    // The original is untouched (it is frozen, and the daemon still needs the real values).
    expect(config.sinks[1]).toMatchObject({ routingKey: 'SECRET2' });
  });
});

describe('example configs', () => {
  it('every file in config/ is valid', async () => {
    const env = {
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x',
      SLACK_CRITICAL_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/y',
      PAGERDUTY_ROUTING_KEY: 'k',
      SIEM_WEBHOOK_URL: 'https://siem.example.com/in',
      SIEM_WEBHOOK_SECRET: '0123456789abcdef0123',
      SIEM_TOKEN: 't',
      SQS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/s3-access-logs',
      AWS_REGION: 'eu-west-1',
      DEDUP_TABLE: 's3-sentinel-dedup',
    };
    const files = (await readdir('config')).filter((f) => f.endsWith('.yaml'));
    expect(files).toEqual(expect.arrayContaining(['default.yaml', 'production.yaml', 'local.yaml']));
    for (const file of files) {
      const text = await readFile(`config/${file}`, 'utf8');
      expect(() => parseConfig(text, { env, origin: file }), file).not.toThrow();
    }
    const production = parseConfig(await readFile('config/production.yaml', 'utf8'), { env });
    expect(new Set(production.sinks.map((s) => s.type))).toEqual(
      new Set(['stdout', 'file', 'webhook', 'slack', 'pagerduty']),
    );
  });
});

describe('sink URLs', () => {
  it('rejects credentials in a URL, naming the key but not echoing the secret', () => {
    const text = 'sinks:\n  - { type: webhook, url: "https://user:hunter2@example.com/hook" }\n';
    let message = '';
    try {
      parseConfig(text, { env: {} });
    } catch (err) {
      message = `${(err as Error).message}\n${JSON.stringify((err as { issues?: unknown }).issues)}`;
    }
    expect(message).toContain('sinks[0].url');
    expect(message).toContain('must not contain a user name or password');
    expect(message).not.toContain('hunter2');
  });

  // The Slack URL and the PagerDuty routing key are credentials; so are a webhook's headers.
  it('refuses plain http for sinks that carry a credential, except to localhost', () => {
    const sinks = [
      '{ type: slack, webhookUrl: "http://hooks.slack.com/services/T/B/x" }',
      '{ type: pagerduty, routingKey: abc, url: "http://events.pagerduty.com/v2/enqueue" }',
      '{ type: webhook, url: "http://siem.internal/hook", headers: { Authorization: "Bearer t" } }',
    ];
    const issues = issuesOf(`sinks:\n${sinks.map((sink) => `  - ${sink}\n`).join('')}`);
    expect(issues.map((issue) => issue.path)).toEqual([
      'sinks[0].webhookUrl',
      'sinks[1].url',
      'sinks[2].url',
    ]);
    for (const issue of issues) expect(issue.message).toMatch(/must be https:\/\/ .*cleartext/);
    const accepted = [
      '{ type: slack, webhookUrl: "http://127.0.0.1:8080/services/T/B/x" }',
      '{ type: pagerduty, routingKey: abc, url: "http://localhost:9/v2/enqueue" }',
      '{ type: webhook, url: "http://[::1]:9/hook", headers: { Authorization: "Bearer t" } }',
      '{ type: webhook, name: signed, url: "http://siem.internal/hook", secret: "0123456789abcdef" }', // signed, not sent
    ];
    expect(() =>
      parseConfig(`sinks:\n${accepted.map((sink) => `  - ${sink}\n`).join('')}`, { env: {} }),
    ).not.toThrow();
  });
});
