import { pino, type Logger, type Level } from 'pino';

export type { Logger };

/** Keys that hold credentials: whoever holds a webhook URL or routing key can post to the channel or page the on-call. */
const SECRET_KEYS = ['webhookUrl', 'routingKey', 'url', 'secret', 'headers'] as const;
/** How deep below a log line's top level they are looked for (`a.b.c.url`), e.g. inside an error's `cause`. */
const REDACT_DEPTH = 4;

/** Paths pino blanks out wherever they appear in a log line, up to REDACT_DEPTH levels down. */
export const REDACTED_PATHS: readonly string[] = [
  ...Array.from({ length: REDACT_DEPTH + 1 }, (_, depth) =>
    SECRET_KEYS.map((key) => [...Array<string>(depth).fill('*'), key].join('.')),
  ).flat(),
  ...SECRET_KEYS.map((key) => `config.sinks[*].${key}`),
];

export interface LoggerOptions {
  level?: Level | 'silent';
  /** Where log lines go; stderr by default, because stdout carries records and alerts. */
  destination?: pino.DestinationStream;
}

/** JSON logs on stderr, with credentials redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: 's3-sentinel',
      level: options.level ?? 'info',
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
