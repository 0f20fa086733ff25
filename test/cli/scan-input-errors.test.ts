import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { accessLine } from './scan-fixtures.js';

const run = promisify(execFile);

// A backfill whose summary says "done" while an input was skipped would pass a script or CI job
// that checks the exit status: an unreadable input must fail the scan, after the others ran.
describe('s3-sentinel scan with an unreadable input', () => {
  it('exits 1 when an input cannot be read, after scanning the ones that can', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3s-scan-broken-'));
    const ok = join(dir, 'ok.log');
    const broken = join(dir, 'broken.log');
    writeFileSync(
      ok,
      `${accessLine({ ms: Date.UTC(2026, 0, 1), bucket: 'b', operation: 'REST.GET.OBJECT', insecure: true })}\n`,
    );
    // gzip's magic bytes, then no deflate stream: read as gzip, and the stream is corrupt.
    writeFileSync(broken, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from(' garbage-not-deflate\n')]));

    const failure = await run('npx', ['tsx', 'src/cli.ts', 'scan', ok, broken], { cwd: process.cwd() }).catch(
      (err: { code: number; stdout: string; stderr: string }) => err,
    );

    expect(failure).toMatchObject({ code: 1, stderr: expect.stringContaining(`${broken}: `) });
    expect((failure as { stderr: string }).stderr).toContain('; skipped');
    expect((failure as { stdout: string }).stdout).toMatch(/AWS\.S3\.ServerAccess\.Insecure/); // ok.log ran
  });
});
