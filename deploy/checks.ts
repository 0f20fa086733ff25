/**
 * Static checks of the deployment files that need no Docker engine and no AWS account:
 *
 *   npx tsx deploy/checks.ts        (run by scripts/validate-deploy.sh; exit 1 on any problem)
 *
 * - the IAM policy: valid JSON, no wildcard action, no `*` resource, only the expected actions;
 * - the Dockerfile: every file its ENTRYPOINT, CMD and HEALTHCHECK run exists in the built
 *   package, and every path it COPYs from the build context exists and is not .dockerignored.
 *
 * Each check returns a list of problems (empty = fine) so tests can feed it bad input.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every action the daemon needs, by the Sid of the statement that grants it. */
export const EXPECTED_ACTIONS: Record<string, string[]> = {
  ConsumeNotificationQueue: [
    'sqs:ReceiveMessage',
    'sqs:DeleteMessage',
    'sqs:ChangeMessageVisibility',
    'sqs:GetQueueAttributes',
  ],
  ReadAccessLogObjects: ['s3:GetObject', 's3:GetObjectVersion'],
  ListAccessLogsForBackfill: ['s3:ListBucket'],
  DecryptWithCustomerManagedKey: ['kms:Decrypt'],
  UseDedupTable: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
};

interface Statement {
  Sid?: string;
  Effect?: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

export function checkIamPolicy(text: string): string[] {
  let policy: { Version?: string; Statement?: Statement[] };
  try {
    policy = JSON.parse(text) as typeof policy;
  } catch (err) {
    return [`not JSON: ${(err as Error).message}`];
  }
  const problems: string[] = [];
  if (policy.Version !== '2012-10-17') problems.push('Version must be "2012-10-17"');
  const statements = policy.Statement ?? [];
  const seen = new Set<string>();
  for (const [index, st] of statements.entries()) {
    const where = `Statement ${st.Sid ?? index}`;
    if (st.Effect !== 'Allow') problems.push(`${where}: only Allow statements are expected`);
    if (st.NotAction !== undefined || st.NotResource !== undefined) {
      problems.push(`${where}: NotAction/NotResource grant more than they seem`);
    }
    const actions = asList(st.Action);
    for (const action of actions) {
      if (typeof action !== 'string' || action.includes('*') || action.includes('?')) {
        problems.push(`${where}: wildcard or invalid action ${JSON.stringify(action)}`);
      }
    }
    for (const resource of asList(st.Resource)) {
      if (typeof resource !== 'string' || resource === '*' || /:\*$/.test(resource)) {
        problems.push(`${where}: unscoped resource ${JSON.stringify(resource)}`);
      }
    }
    const expected = st.Sid ? EXPECTED_ACTIONS[st.Sid] : undefined;
    if (!expected) {
      problems.push(`${where}: unexpected statement (known: ${Object.keys(EXPECTED_ACTIONS).join(', ')})`);
    } else if ([...actions].sort().join() !== [...expected].sort().join()) {
      problems.push(`${where}: actions ${actions.join(', ')} differ from ${expected.join(', ')}`);
    }
    if (st.Sid) seen.add(st.Sid);
  }
  for (const sid of Object.keys(EXPECTED_ACTIONS)) {
    if (!seen.has(sid)) problems.push(`missing statement ${sid}`);
  }
  return problems;
}

export interface DockerInstruction {
  keyword: string;
  args: string;
}

/** Instructions with line continuations joined and comments dropped. */
export function parseDockerfile(text: string): DockerInstruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const space = line.search(/\s/);
      return { keyword: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim() };
    });
}

/** The exec-form argument list of ENTRYPOINT/CMD/HEALTHCHECK CMD, or an error. */
export function execForm(args: string): string[] {
  const json = args.replace(/^(--\S+\s+)*CMD\s+/, '');
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`not an exec-form list: ${args}`);
  }
  return parsed;
}

/**
 * Files under /app that the image runs, mapped to the repository (the image's /app is the
 * repository root after `npm run build`, less dev-only files).
 */
function appFilesRun(argv: string[]): string[] {
  return argv.filter((arg) => arg.startsWith('/app/'));
}

function dockerignorePatterns(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('!'));
}

function ignored(path: string, patterns: string[]): boolean {
  const top = path.replace(/^\.\//, '').split('/')[0];
  return patterns.some((p) => p === top || p === path.replace(/^\.\//, ''));
}

export function checkDockerfile(dockerfile: string, dockerignore: string, repoRoot: string): string[] {
  const problems: string[] = [];
  const instructions = parseDockerfile(dockerfile);
  const patterns = dockerignorePatterns(dockerignore);
  const last = (keyword: string) => instructions.filter((i) => i.keyword === keyword).at(-1);

  const entrypoint = last('ENTRYPOINT');
  const cmd = last('CMD');
  const healthcheck = last('HEALTHCHECK');
  if (!entrypoint) problems.push('no ENTRYPOINT');
  if (!cmd) problems.push('no CMD');
  if (!healthcheck) problems.push('no HEALTHCHECK');
  if (!instructions.some((i) => i.keyword === 'USER' && i.args !== 'root' && i.args !== '0')) {
    problems.push('no non-root USER');
  }
  const froms = instructions.filter((i) => i.keyword === 'FROM');
  if (froms.length < 2) problems.push('not a multi-stage build');

  for (const instruction of [entrypoint, cmd, healthcheck]) {
    if (!instruction) continue;
    let argv: string[];
    try {
      argv = execForm(instruction.args);
    } catch (err) {
      problems.push(`${instruction.keyword}: ${(err as Error).message}`);
      continue;
    }
    for (const file of appFilesRun(argv)) {
      const local = join(repoRoot, file.slice('/app/'.length));
      if (!existsSync(local)) {
        problems.push(
          `${instruction.keyword} runs ${file}, but ${local} does not exist (npm run build first?)`,
        );
      }
    }
    if (argv.includes('curl') || argv.includes('wget')) {
      problems.push(`${instruction.keyword} needs curl/wget, which the slim image lacks`);
    }
  }

  for (const copy of instructions.filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))) {
    const parts = copy.args.split(/\s+/).filter((p) => !p.startsWith('--'));
    for (const source of parts.slice(0, -1)) {
      if (!existsSync(join(repoRoot, source))) problems.push(`COPY ${source}: not in the build context`);
      if (ignored(source, patterns)) problems.push(`COPY ${source}: excluded by .dockerignore`);
    }
  }
  return problems;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const read = (path: string) => readFileSync(join(root, path), 'utf8');
  const results = {
    'deploy/iam/task-role-policy.json': checkIamPolicy(read('deploy/iam/task-role-policy.json')),
    Dockerfile: checkDockerfile(read('Dockerfile'), read('.dockerignore'), root),
  };
  let failed = false;
  for (const [file, problems] of Object.entries(results)) {
    console.log(`${problems.length === 0 ? 'ok  ' : 'FAIL'} ${file}`);
    for (const problem of problems) console.log(`  ${problem}`);
    failed ||= problems.length > 0;
  }
  process.exitCode = failed ? 1 : 0;
}
