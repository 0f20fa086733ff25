import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDockerfile, execForm, parseDockerfile } from '../../deploy/checks.js';
import { repoRoot } from './template-fixture.js';

const run = promisify(execFile);
const dockerfile = readFileSync(`${repoRoot}Dockerfile`, 'utf8');
const dockerignore = readFileSync(`${repoRoot}.dockerignore`, 'utf8');
const instructions = parseDockerfile(dockerfile);
const last = (keyword: string) => instructions.filter((i) => i.keyword === keyword).at(-1)!;

describe('Dockerfile', () => {
  it('passes the static checks (run `npm run build` first: they look for dist/cli.js)', () => {
    expect(existsSync(`${repoRoot}dist/cli.js`)).toBe(true);
    expect(checkDockerfile(dockerfile, dockerignore, repoRoot)).toEqual([]);
  });

  it('runs the CLI under tini, with the daemon on the mounted config by default', () => {
    expect(execForm(last('ENTRYPOINT').args)).toEqual(['tini', '--', 'node', '/app/dist/cli.js']);
    expect(execForm(last('CMD').args)).toEqual(['run', '--config', '/etc/s3-sentinel/config.yaml']);
    expect(last('USER').args).toBe('node');
    expect(instructions.filter((i) => i.keyword === 'FROM').map((i) => i.args)).toEqual([
      '${NODE_IMAGE} AS build',
      '${NODE_IMAGE} AS runtime',
    ]);
    expect(instructions.map((i) => i.args)).toContain(
      'npm ci --omit=dev --no-audit --no-fund && npm cache clean --force',
    );
  });

  it('has an entrypoint that starts: the built CLI knows the run command', async () => {
    const { stdout } = await run(process.execPath, [`${repoRoot}dist/cli.js`, '--help']);
    expect(stdout).toMatch(/^\s+run\b/m);
  });

  // A hardened container (readOnlyRootFilesystem, no /tmp volume): tsx's disk cache cannot be made.
  it('loads TypeScript code rules when the temp directory cannot be written', async () => {
    const { stdout, stderr } = await run(process.execPath, [`${repoRoot}dist/cli.js`, 'rules'], {
      env: { ...process.env, TMPDIR: '/dev/null/read-only' },
    });
    expect(stderr).not.toMatch(/invalid rule/);
    expect(stdout).toMatch(/^AWS\.S3\.ServerAccess\.UnknownRequester /m); // the pack's .ts rule
  });

  it('notices a missing entrypoint file, curl in the health check, and an ignored COPY source', () => {
    const broken = dockerfile
      .replace('"node", "/app/dist/cli.js"]', '"node", "/app/dist/missing.js"]')
      .replace('CMD ["node", "-e"', 'CMD ["curl", "-e"')
      .replace('COPY rules ./rules', 'COPY deploy ./deploy');
    const problems = checkDockerfile(broken, dockerignore, repoRoot).join('\n');
    expect(problems).toMatch(/ENTRYPOINT runs \/app\/dist\/missing\.js/);
    expect(problems).toMatch(/HEALTHCHECK needs curl/);
    expect(problems).toMatch(/COPY deploy: excluded by \.dockerignore/);
  });
});

describe('Dockerfile HEALTHCHECK command', () => {
  const argv = execForm(last('HEALTHCHECK').args);
  let status = 200;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(req.url === '/healthz' ? status : 404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  // Runs the exact command from the Dockerfile, with node in place of the image's node.
  const probe = async (target: string): Promise<number> => {
    const [command, ...args] = argv;
    expect(command).toBe('node');
    try {
      await run(process.execPath, args, {
        env: { ...process.env, HEALTHCHECK_URL: target },
        timeout: 10_000,
      });
      return 0;
    } catch (err) {
      return (err as { code?: number }).code ?? -1;
    }
  };

  it('exits 0 when /healthz answers 200', async () => {
    status = 200;
    expect(await probe(url)).toBe(0);
  });

  it('exits 1 when /healthz answers 503', async () => {
    status = 503;
    expect(await probe(url)).toBe(1);
  });

  it('exits 1 when nothing listens', async () => {
    expect(await probe('http://127.0.0.1:9/healthz')).toBe(1);
  });
});
