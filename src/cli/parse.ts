import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { forEachLine } from '../ingest/decode.js';
import { DEFAULT_MAX_LINE_BYTES, type LineHandler } from '../ingest/line-splitter.js';
import { LocalInputError, STDIN_NAME, listLocalInputs } from '../ingest/local-files.js';
import { jsonLine } from '../logs/json-line.js';
import { isParseError, parseS3AccessLine } from '../logs/s3-access/index.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './exit-codes.js';

/** `s3-sentinel parse [PATH…]`: one JSON record per log line on stdout; problems on stderr. */
export function registerParse(program: Command): void {
  program
    .command('parse')
    .description('parse S3 server access logs into one JSON record per line on stdout')
    .argument('[paths...]', 'files, directories (read recursively) or - for stdin; default: stdin')
    .option(
      '--max-line-bytes <bytes>',
      'longest line accepted; longer ones are reported and skipped',
      positiveInteger,
      DEFAULT_MAX_LINE_BYTES,
    )
    .action(async (paths: string[], options: { maxLineBytes: number }) => {
      process.exitCode = await runParse(paths, { maxLineBytes: options.maxLineBytes });
    });
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export interface ParseCommandOptions {
  maxLineBytes?: number;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

export interface ParseSummary {
  records: number;
  errors: number;
  bytes: number;
  seconds: number;
}

/** Runs the command and returns its exit code: 0 even with bad lines, 1 when an input could not be read, 2 for a missing path. */
export async function runParse(paths: string[], options: ParseCommandOptions = {}): Promise<number> {
  const out = new BufferedWriter(options.stdout ?? process.stdout);
  const err = new BufferedWriter(options.stderr ?? process.stderr);
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const started = process.hrtime.bigint();
  const summary: ParseSummary = { records: 0, errors: 0, bytes: 0, seconds: 0 };
  let exitCode = EXIT_OK;

  try {
    for await (const input of listLocalInputs(paths.length > 0 ? paths : [STDIN_NAME])) {
      const name = input.name === STDIN_NAME ? '<stdin>' : input.name;
      const handler: LineHandler = {
        line(text, lineNo) {
          const record = parseS3AccessLine(text, { file: name, line: lineNo });
          if (isParseError(record)) {
            summary.errors++;
            err.write(`${name}:${lineNo}: ${record.message}\n`);
          } else {
            summary.records++;
            out.write(jsonLine(record) + '\n');
          }
        },
        tooLong(lineNo, bytes) {
          summary.errors++;
          err.write(
            `${name}:${lineNo}: line of ${bytes} bytes exceeds the ${maxLineBytes}-byte limit; skipped\n`,
          );
        },
      };
      try {
        const result = await forEachLine(input.open(), handler, {
          maxLineBytes,
          // Flush between chunks and wait out backpressure: output memory stays bounded.
          afterChunk: () => Promise.all([out.flushIfFull(), err.flushIfFull()]).then(() => undefined),
        });
        summary.bytes += result.bytes;
      } catch (cause) {
        if (cause instanceof OutputClosedError) throw cause;
        summary.errors++;
        exitCode = EXIT_FAILED;
        err.write(`${name}: cannot read: ${cause instanceof Error ? cause.message : String(cause)}\n`);
      }
    }
  } catch (cause) {
    if (cause instanceof LocalInputError) {
      await err.flush();
      err.write(`s3-sentinel parse: ${cause.message}\n`);
      await err.flush();
      return EXIT_USAGE;
    }
    // A closed stdout (`parse … | head`) ends the run quietly; the reader has what it wanted.
    if (!(cause instanceof OutputClosedError)) throw cause;
  }

  summary.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await out.flush().catch(() => undefined);
  err.write(
    `s3-sentinel parse: ${summary.records} records, ${summary.errors} errors, ` +
      `${summary.bytes} bytes, ${summary.seconds.toFixed(3)} s\n`,
  );
  await err.flush().catch(() => undefined);
  return exitCode;
}

class OutputClosedError extends Error {}

/**
 * Collects small writes and hands them to the stream in large pieces: one write call per line
 * would cost more than parsing the line.
 */
class BufferedWriter {
  private static readonly FLUSH_CHARS = 1 << 20;
  private parts: string[] = [];
  private chars = 0;
  private closed = false;

  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on('error', () => {
      this.closed = true; // EPIPE and the like: stop producing output
    });
  }

  write(text: string): void {
    this.parts.push(text);
    this.chars += text.length;
  }

  flushIfFull(): Promise<void> | undefined {
    return this.chars >= BufferedWriter.FLUSH_CHARS ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    if (this.closed) throw new OutputClosedError('output closed');
    if (this.chars === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.chars = 0;
    const stream = this.stream;
    await new Promise<void>((resolve, reject) => {
      // Resolve when the data is handed over; if the stream is full, wait for 'drain' as well.
      const ok = stream.write(text, (error) =>
        error ? reject(new OutputClosedError(error.message)) : undefined,
      );
      if (ok) resolve();
      else {
        const onDrain = () => {
          stream.off('close', onClose);
          resolve();
        };
        const onClose = () => {
          stream.off('drain', onDrain);
          reject(new OutputClosedError('output closed'));
        };
        stream.once('drain', onDrain);
        stream.once('close', onClose);
      }
    });
    if (this.closed) throw new OutputClosedError('output closed');
  }
}
