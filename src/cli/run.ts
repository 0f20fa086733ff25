import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { loadConfigReporting } from './load-config.js';
import type { DaemonHandle } from '../daemon.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './exit-codes.js';

/** Exit codes of a process ended by a second signal: 128 + the signal number, as shells report. */
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

// After a graceful stop, stray sockets (SDK keep-alive) must not keep the process up for long.
const EXIT_FALLBACK_MS = 2_000;

/** `s3-sentinel run --config FILE`: the daemon, until SIGTERM or SIGINT. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the daemon: poll SQS for new access logs, evaluate the rules, deliver alerts')
    .requiredOption('-c, --config <file>', 'YAML configuration (sqs.queueUrl is required)')
    .action(async (options: { config: string }) => {
      ignoreHangupWithoutTerminal();
      const config = await loadRunConfig(options.config);
      if (!config) return;
      // Loaded here, not at the top: the daemon pulls in the AWS SDK, which every other command
      // would otherwise pay for at start-up (about half a second).
      const { DaemonStartError, startDaemon } = await import('../daemon.js');
      let daemon: DaemonHandle;
      try {
        daemon = await startDaemon(config);
      } catch (err) {
        if (!(err instanceof DaemonStartError)) throw err;
        process.stderr.write(`s3-sentinel run: cannot start: ${err.message}\n`);
        process.exitCode = err.kind === 'config' ? EXIT_USAGE : EXIT_FAILED;
        return;
      }
      handleSignals(daemon);
      await daemon.done;
      process.exitCode = EXIT_OK;
      setTimeout(() => process.exit(EXIT_OK), EXIT_FALLBACK_MS).unref();
    });
}

async function loadRunConfig(file: string): Promise<Config | undefined> {
  const config = await loadConfigReporting(file);
  if (config?.sqs) return config;
  if (config)
    process.stderr.write(`s3-sentinel: ${file} is not a valid config for run:\n  sqs.queueUrl: required\n`);
  process.exitCode = EXIT_USAGE;
  return undefined;
}

/** First SIGTERM/SIGINT: graceful stop. A second one: exit at once. */
function handleSignals(daemon: DaemonHandle): void {
  let received = false;
  const onSignal = (signal: StopSignal) => {
    if (received) {
      process.stderr.write(`s3-sentinel: second ${signal}, exiting without draining\n`);
      process.exit(SIGNAL_EXIT_CODES[signal]);
    }
    received = true;
    void daemon.stop(signal);
  };
  for (const signal of Object.keys(SIGNAL_EXIT_CODES) as StopSignal[]) process.on(signal, onSignal);
}

/**
 * SIGHUP is what `nohup` asks to ignore, but Node resets it to its default (exit) at start-up:
 * ignore it again when no standard stream is a terminal — what `nohup` leaves behind, and what a
 * supervisor or container without a TTY gives. With any stream on a terminal (logs piped to
 * `pino-pretty` there, alerts on it), a closed terminal leaves the daemon without logs or a sink:
 * ending it then is the better outcome. Done first, so a hangup during start-up is covered too.
 */
function ignoreHangupWithoutTerminal(): void {
  if (!process.stdin.isTTY && !process.stdout.isTTY && !process.stderr.isTTY) process.on('SIGHUP', () => {});
}
