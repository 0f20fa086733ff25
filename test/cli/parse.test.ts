import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_DOC_LINES, line } from '../logs/s3-access/lines.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** Runs `s3-sentinel parse …` from source in a child process, as a user would run it. */
function runParse(
  args: string[],
  stdin?: Buffer,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'parse', ...args],
      {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
    child.stdin.end(stdin ?? Buffer.alloc(0));
  });
}

const records = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((text) => JSON.parse(text) as Record<string, unknown>);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parse-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('s3-sentinel parse', () => {
  it('prints a JSON record per line, reports bad lines with file and line, and summarises', async () => {
    const file = join(dir, 'mixed.log');
    await writeFile(
      file,
      `${AWS_DOC_LINES[0]}\r\n\nnot a log line\r\n${'x'.repeat(70_000)}\n${AWS_DOC_LINES[4]}`,
    );
    const { code, stdout, stderr } = await runParse([file]);
    expect(code).toBe(0);
    const out = records(stdout);
    expect(out.map((r) => r.operation)).toEqual(['REST.GET.VERSIONING', 'REST.PUT.OBJECT']);
    expect(out.map((r) => r.p_source)).toEqual([
      { file, line: 1 },
      { file, line: 5 },
    ]);
    expect(out[0]).toMatchObject({
      p_log_type: 'AWS.S3ServerAccess',
      tlsVersion: 'TLSV1.2',
      httpstatus: 200,
    });
    const errors = stderr.trim().split('\n');
    expect(errors[0]).toMatch(new RegExp(`^${file}:3: not an S3 server access log line: `));
    expect(errors[1]).toBe(`${file}:4: line of 70000 bytes exceeds the 65536-byte limit; skipped`);
    expect(errors[2]).toMatch(/^s3-sentinel parse: 2 records, 2 errors, \d+ bytes, \d+\.\d+ s$/);
  });

  // Client text (a user agent) must not reach a terminal as control characters: JSON.stringify
  // escapes ESC but not the C1 controls, which some terminals honour (U+009B is an 8-bit CSI).
  it('escapes C1 controls, DEL and line separators in client fields, keeping the JSON equal', async () => {
    const agent = 'x\u009b2J\u007f\u2028\u001b[31m';
    const { code, stdout } = await runParse([], Buffer.from(`${line({ userAgent: `"${agent}"` })}\n`));
    expect(code).toBe(0);
    // Every character a terminal could act on, other than the newline between records.
    const controls = [...stdout].filter((char) => {
      const code = char.charCodeAt(0);
      return (
        (code < 0x20 && char !== '\n') || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029
      );
    });
    expect(controls).toEqual([]);
    expect(stdout).toContain('x\\u009b2J\\u007f\\u2028\\u001b[31m');
    expect(records(stdout)[0]).toMatchObject({ useragent: agent });
  });

  it('reads stdin when given no path or -, gunzipping by magic bytes', async () => {
    const gz = gzipSync(AWS_DOC_LINES.join('\n') + '\n');
    const implicit = await runParse([], gz);
    const dash = await runParse(['-'], gz);
    expect(records(implicit.stdout)).toHaveLength(5);
    expect(records(dash.stdout).map((r) => r.p_source)).toEqual(
      AWS_DOC_LINES.map((_, i) => ({ file: '<stdin>', line: i + 1 })),
    );
    expect(dash.code).toBe(0);
  });

  it('reads directories recursively in sorted order, gzip files whatever their name', async () => {
    await mkdir(join(dir, 'tree', 'sub'), { recursive: true });
    await writeFile(join(dir, 'tree', 'b.txt'), gzipSync(AWS_DOC_LINES[1]! + '\n'));
    await writeFile(join(dir, 'tree', 'a'), AWS_DOC_LINES[0]! + '\n');
    await writeFile(join(dir, 'tree', 'sub', 'c'), AWS_DOC_LINES[2]! + '\n');
    const { code, stdout } = await runParse([join(dir, 'tree')]);
    expect(code).toBe(0);
    expect(records(stdout).map((r) => r.requestid)).toEqual([
      '3E57427F3EXAMPLE',
      '891CE47D2EXAMPLE',
      'A1206F460EXAMPLE',
    ]);
  });

  it('exits 2 naming a missing path, before printing any record', async () => {
    const file = join(dir, 'ok.log');
    await writeFile(file, AWS_DOC_LINES[0]! + '\n');
    const { code, stdout, stderr } = await runParse([file, join(dir, 'missing')]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${join(dir, 'missing')}: no such file or directory`);
  });

  it('reports an unreadable (corrupt gzip) input, goes on with the others, and exits 1', async () => {
    const corrupt = join(dir, 'corrupt.gz');
    const good = join(dir, 'good.log');
    await writeFile(corrupt, gzipSync(AWS_DOC_LINES.join('\n')).subarray(0, 40));
    await writeFile(good, AWS_DOC_LINES[0]! + '\n');
    const { code, stdout, stderr } = await runParse([corrupt, good]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${corrupt}: cannot read:`);
    expect(records(stdout).at(-1)?.p_source).toEqual({ file: good, line: 1 });
  });

  it('writes large outputs completely', async () => {
    const file = join(dir, 'many.log');
    await writeFile(file, (AWS_DOC_LINES.join('\n') + '\n').repeat(2000));
    const { code, stdout, stderr } = await runParse([file]);
    expect(code).toBe(0);
    expect(records(stdout)).toHaveLength(10_000);
    expect(stderr).toMatch(/10000 records, 0 errors/);
  });
});
