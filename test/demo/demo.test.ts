/**
 * Keeps `npm run demo` honest: runs demo/run.ts as a user would (a child process, which itself
 * spawns the real daemon against an embedded fauxqs) and checks what it printed.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEMO_TIMEOUT_MS = 40_000;

interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDemo(): Promise<DemoRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'demo/run.ts'],
      { cwd: REPO_ROOT, timeout: DEMO_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('npm run demo', () => {
  it(
    'runs the daemon end to end, prints Insecure alerts and what Slack received, and exits 0',
    async () => {
      const run = await runDemo();
      expect(run.code, `demo failed:\n${run.stderr}\n${run.stdout}`).toBe(0);

      // Alerts the stdout sink wrote, printed by the demo.
      expect(run.stdout).toMatch(/LOW\s+Insecure access to S3 Bucket \[[^\]]+\]/);
      const alertCount = Number(/Alerts \(the stdout sink wrote (\d+)\)/.exec(run.stdout)?.[1]);
      expect(alertCount).toBeGreaterThan(0);

      // The local Slack receiver got real posts, with the alert's fallback text.
      const slackCount = Number(/got (\d+) message\(s\):/.exec(run.stdout)?.[1]);
      expect(slackCount).toBeGreaterThan(0);
      expect(run.stdout).toMatch(/• .*Insecure access to S3 Bucket/);

      // Every object was read, every line counted, and the daemon stopped cleanly on SIGTERM.
      expect(run.stdout).toMatch(/objects\s+5 uploaded; 5 read/);
      expect(run.stdout).toMatch(/lines\s+10,000 uploaded; read 10,000/);
      expect(run.stdout).toContain('s3_sentinel_lines_total 10000');
      expect(run.stdout).toMatch(/SIGTERM: the daemon stopped and exited 0/);
    },
    DEMO_TIMEOUT_MS + 5_000,
  );
});
