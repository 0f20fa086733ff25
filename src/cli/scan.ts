import type { Command } from 'commander';
import { scanLocalPaths, type ScanCounts } from '../detect/scan.js';
import { LocalInputError } from '../ingest/local-files.js';
import { createLogger } from '../observe/logger.js';
import { EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { addRulesOption, loadRulesReporting } from './rule-options.js';

/** Parse errors printed one by one before the rest are only counted. */
const MAX_REPORTED_PARSE_ERRORS = 20;
const PROGRESS_INTERVAL_MS = 500;

export function summaryLine(counts: ScanCounts, seconds: number): string {
  return (
    `scan: ${counts.lines} lines, ${counts.records} records, ${counts.parseErrors + counts.tooLong} parse errors, ` +
    `${counts.ruleErrors} rule errors, ${counts.matches} matches, ${counts.alerts} alerts, ` +
    `${counts.suppressed} suppressed (${counts.inputs} inputs, ${seconds.toFixed(1)} s)`
  );
}

/** `s3-sentinel scan [--rules DIR]… PATH…`: alerts as JSON lines on stdout. */
export function registerScan(program: Command): void {
  addRulesOption(program.command('scan'))
    .description('evaluate the rules over access log files (or - for stdin) and print alerts as JSON lines')
    .argument('<paths...>', 'files, directories (recursive) or - for stdin; gzip is detected')
    .action(async (paths: string[], options: { rules: string[] }) => {
      const started = performance.now();
      // `scan … | head` closes stdout early: stop quietly, as other Unix tools do.
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') process.exit(EXIT_OK);
        throw err;
      });
      const { rules } = await loadRulesReporting(options.rules);
      const logger = createLogger({ level: 'warn' });
      const progress = process.stderr.isTTY;
      let lastProgress = 0;
      let reported = 0;
      const stdout: string[] = [];
      const writeAlerts = () => {
        if (stdout.length > 0) process.stdout.write(stdout.splice(0).join(''));
      };
      try {
        const counts = await scanLocalPaths({
          paths,
          rules,
          logger,
          emit: (alert) => stdout.push(`${JSON.stringify(alert)}\n`),
          onParseError: (error, source) => {
            if (reported++ < MAX_REPORTED_PARSE_ERRORS) {
              process.stderr.write(
                `${'file' in source ? source.file : source.key}:${source.line}: ${error.message}\n`,
              );
            } else if (reported === MAX_REPORTED_PARSE_ERRORS + 1) {
              process.stderr.write('further parse errors are counted but not shown\n');
            }
          },
          onTooLong: (source, bytes) => {
            process.stderr.write(
              `${'file' in source ? source.file : source.key}:${source.line}: line of ${bytes} bytes is too long, skipped\n`,
            );
          },
          onProgress: (counts) => {
            writeAlerts();
            if (!progress) return;
            const now = performance.now();
            if (now - lastProgress < PROGRESS_INTERVAL_MS) return;
            lastProgress = now;
            process.stderr.write(`\r${counts.lines} lines, ${counts.alerts} alerts…`);
          },
        });
        writeAlerts();
        if (progress) process.stderr.write('\r\x1b[K');
        process.stderr.write(`${summaryLine(counts, (performance.now() - started) / 1000)}\n`);
        process.exitCode = EXIT_OK;
      } catch (err) {
        writeAlerts();
        if (err instanceof LocalInputError) {
          process.stderr.write(`s3-sentinel scan: ${err.message}\n`);
          process.exitCode = EXIT_USAGE;
          return;
        }
        throw err;
      } finally {
        logger.flush();
      }
    });
}
