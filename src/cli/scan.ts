import type { Command } from 'commander';
import { validateConfig, type Config } from '../config/index.js';
import { loadConfigReporting } from './load-config.js';
import { ScanSourceError, type ScanCounts } from '../pipeline/scan.js';
import { LocalInputError } from '../ingest/local-files.js';
import { ScanListingError } from '../ingest/scan-inputs.js';
import type { SourceRef } from '../logs/event.js';
import { createLogger } from '../observe/logger.js';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { addRulesOption, printNotices, printRuleProblem, type RuleSourceOptions } from './rule-options.js';
import { runScan, ScanSetupError, type SinkTally } from './scan-session.js';

/** Parse errors printed one by one before the rest are only counted. */
const MAX_REPORTED_PARSE_ERRORS = 20;
const PROGRESS_INTERVAL_MS = 500;

export function summaryLine(counts: ScanCounts, seconds: number, deliveries: SinkTally[] = []): string {
  const unreadable = counts.inputErrors > 0 ? `, ${counts.inputErrors} unreadable` : '';
  const sinks = deliveries
    .map(
      (d) =>
        `${d.sink} ${d.delivered} delivered / ${d.alreadyDelivered} already delivered / ${d.failed} failed`,
    )
    .join(', ');
  return (
    `scan${counts.interrupted ? ' (interrupted)' : ''}: ${counts.lines} lines, ${counts.records} records, ${counts.parseErrors + counts.tooLong} parse errors, ` +
    `${counts.ruleErrors} rule errors, ${counts.matches} matches, ${counts.alerts} alerts, ` +
    `${counts.suppressed} suppressed (${counts.inputs} inputs${unreadable}, ${seconds.toFixed(1)} s)` +
    (sinks ? `; deliveries: ${sinks}` : '')
  );
}

function where(source: SourceRef): string {
  return 'file' in source ? source.file : `s3://${source.bucket}/${source.key}`;
}

interface ScanCliOptions extends RuleSourceOptions {
  config?: string;
}

/**
 * `s3-sentinel scan [--rules DIR]… [--config FILE] PATH…`: alerts to the config's sinks, or as JSON
 * lines on stdout. Exit 0; 1 when a delivery failed, an input could not be read (an S3 listing that
 * broke off part-way included) or a rule did not load (the others still ran); 2 for a bad config, a
 * rules path that cannot be read or a path that does not exist (or an S3 prefix that cannot be
 * listed at all), found before anything is read.
 */
export function registerScan(program: Command): void {
  addRulesOption(program.command('scan'))
    .description(
      'evaluate the rules over access logs (files, - for stdin, s3://bucket/prefix) and deliver the alerts',
    )
    .option(
      '-c, --config <file>',
      'YAML config: rules, dedup ledger and sinks (default: JSON lines on stdout)',
    )
    .argument(
      '<paths...>',
      'files, directories (recursive), - for stdin, or s3://bucket/prefix; gzip is detected',
    )
    .action(async (paths: string[], options: ScanCliOptions) => {
      const started = performance.now();
      let config: Config | undefined;
      if (options.config !== undefined) {
        // The daemon's sections are not used here: their variables need not be set for a scan.
        config = await loadConfigReporting(options.config, { ignoreSections: ['sqs', 'server', 'shutdown'] });
        if (config === undefined) {
          process.exitCode = EXIT_USAGE;
          return;
        }
      }
      // `scan … | head` closes stdout early: when stdout is where every alert goes, stop quietly as
      // other Unix tools do. With other sinks configured, deliveries to them must still finish:
      // the stdout sink then records the failure itself and the run drains as usual.
      const stdoutOnly = config === undefined || config.sinks.every((sink) => sink.type === 'stdout');
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE' && stdoutOnly) process.exit(EXIT_OK);
      });
      // Delivery failures are logged (sink, status, the destination's error text — never its URL).
      const logger = createLogger({ level: 'warn' });
      const progress = process.stderr.isTTY;
      let lastProgress = 0;
      // Ctrl-C: stop reading, let requests already sent finish and give up the rest (their ledger
      // claims released, so a re-scan sends them); a second Ctrl-C quits at once.
      const interrupt = new AbortController();
      const onSigint = () => {
        if (interrupt.signal.aborted) process.exit(EXIT_INTERRUPTED);
        interrupt.abort();
        process.stderr.write(
          '\ns3-sentinel scan: interrupted; finishing deliveries under way (Ctrl-C again to quit now)\n',
        );
      };
      process.on('SIGINT', onSigint);
      let reported = 0;
      /** Parse errors and too-long lines share one cap: a bad file must not flood the terminal. */
      const reportLine = (message: string) => {
        if (reported++ < MAX_REPORTED_PARSE_ERRORS) process.stderr.write(`${message}\n`);
        else if (reported === MAX_REPORTED_PARSE_ERRORS + 1) {
          process.stderr.write('further parse errors are counted but not shown\n');
        }
      };
      try {
        const result = await runScan({
          paths,
          config: options.builtin ? config : withoutBuiltinRules(config),
          rulePaths: options.rules,
          logger,
          onRuleProblem: printRuleProblem,
          onRuleNotices: printNotices,
          onParseError: (error, source) => reportLine(`${where(source)}:${source.line}: ${error.message}`),
          onTooLong: (source, bytes) =>
            reportLine(`${where(source)}:${source.line}: line of ${bytes} bytes is too long, skipped`),
          onInputError: (name, error) => {
            // The rest of a prefix that could not be listed: its message says what was scanned.
            if (error instanceof ScanListingError) {
              process.stderr.write(`s3-sentinel scan: ${error.message}\n`);
              return;
            }
            // S3 errors name the object themselves; others (a corrupt gzip stream) need it added.
            const text = error.message.includes(name) ? error.message : `${name}: ${error.message}`;
            process.stderr.write(`${text}; skipped\n`);
          },
          signal: interrupt.signal,
          onProgress: (counts) => {
            if (!progress) return;
            const now = performance.now();
            if (now - lastProgress < PROGRESS_INTERVAL_MS) return;
            lastProgress = now;
            process.stderr.write(`\r${counts.lines} lines, ${counts.alerts} alerts…`);
          },
        });
        if (progress) process.stderr.write('\r\x1b[K');
        const seconds = (performance.now() - started) / 1000;
        process.stderr.write(`${summaryLine(result.counts, seconds, result.deliveries)}\n`);
        // Empty directories, or a prefix with nothing under it: likely a wrong path, worth a word.
        if (result.counts.inputs === 0 && !result.counts.interrupted)
          process.stderr.write(`s3-sentinel scan: no input found in ${paths.join(' ')}\n`);
        const failed =
          result.deliveries.some((d) => d.failed > 0) ||
          result.counts.inputErrors > 0 ||
          result.ruleProblems > 0;
        process.exitCode = result.counts.interrupted ? EXIT_INTERRUPTED : failed ? EXIT_FAILED : EXIT_OK;
      } catch (err) {
        if (progress) process.stderr.write('\r\x1b[K');
        if (err instanceof LocalInputError || err instanceof ScanSourceError) {
          process.stderr.write(`s3-sentinel scan: ${err.message}\n`);
          process.exitCode = EXIT_USAGE;
          return;
        }
        if (err instanceof ScanSetupError) {
          process.stderr.write(`s3-sentinel scan: cannot start: ${err.message}\n`);
          process.exitCode = err.kind === 'config' ? EXIT_USAGE : EXIT_FAILED;
          return;
        }
        throw err;
      } finally {
        process.off('SIGINT', onSigint);
        logger.flush();
      }
    });
}

/** `--no-builtin` wins over the config's `rules.builtin`. */
function withoutBuiltinRules(config: Config | undefined): Config {
  const base = config ?? validateConfig({});
  return { ...base, rules: { ...base.rules, builtin: false } };
}
