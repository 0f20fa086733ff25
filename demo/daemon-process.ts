/**
 * Runs the real `s3-sentinel run --config FILE` as a child process, so the demo goes through the
 * same start-up checks, signal handling and exit code a deployment does. Its stdout (the stdout
 * sink: one alert per line) and stderr (pino logs) are kept for the report and for failures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

export interface DaemonExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface DaemonProcess {
  /** The command line, for the reader. */
  commandLine: string;
  /** Complete lines the daemon wrote to stdout. */
  stdoutLines: string[];
  /** Complete lines the daemon wrote to stderr (its JSON logs). */
  stderrLines: string[];
  /** Set once the process has exited. */
  exit: DaemonExit | undefined;
  exited: Promise<DaemonExit>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Resolves with how it exited. */
  stop(graceMs: number): Promise<{ exit: DaemonExit; killed: boolean; seconds: number }>;
}

/**
 * `env` replaces the parent's AWS settings entirely: the child must never pick up a real profile,
 * role or region from the user's shell.
 */
export function spawnDaemon(configPath: string, env: Record<string, string>): DaemonProcess {
  const args = ['--import', 'tsx', CLI, 'run', '--config', configPath];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...withoutAwsSettings(process.env), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const daemon: DaemonProcess = {
    commandLine: `node --import tsx src/cli.ts run --config ${configPath}`,
    stdoutLines: [],
    stderrLines: [],
    exit: undefined,
    exited: new Promise<DaemonExit>((resolve) => {
      child.once('exit', (code, signal) => {
        daemon.exit = { code, signal };
        resolve(daemon.exit);
      });
      child.once('error', (error) => {
        daemon.stderrLines.push(`could not start the daemon: ${error.message}`);
        daemon.exit = { code: null, signal: null };
        resolve(daemon.exit);
      });
    }),
    async stop(graceMs) {
      const started = Date.now();
      if (daemon.exit) return { exit: daemon.exit, killed: false, seconds: 0 };
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const first = await Promise.race([daemon.exited, timedOut]);
      clearTimeout(timer);
      if (first !== 'timeout') return { exit: first, killed: false, seconds: (Date.now() - started) / 1000 };
      child.kill('SIGKILL');
      return { exit: await daemon.exited, killed: true, seconds: (Date.now() - started) / 1000 };
    },
  };
  // Should the demo itself be ended abruptly, never leave a daemon polling a vanished emulator.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void daemon.exited.then(() => process.off('exit', killOnExit));
  collectLines(child.stdout, daemon.stdoutLines);
  collectLines(child.stderr, daemon.stderrLines);
  return daemon;
}

function collectLines(stream: NodeJS.ReadableStream | null, into: string[]): void {
  if (!stream) return;
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    into.push(...parts);
  });
  stream.on('end', () => {
    if (partial !== '') into.push(partial);
  });
}

/** The parent's environment minus anything that could point the SDK at a real AWS account. */
function withoutAwsSettings(env: NodeJS.ProcessEnv): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !name.startsWith('AWS_')) kept[name] = value;
  }
  return kept;
}
