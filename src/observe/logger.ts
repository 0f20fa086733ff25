import { pino, type Logger, type Level } from 'pino';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear in a log line. Webhook URLs and routing keys are
 * credentials: whoever holds one can post to the channel or page the on-call.
 */
export const REDACTED_PATHS = [
  'webhookUrl',
  'routingKey',
  'url',
  'secret',
  'headers',
  '*.webhookUrl',
  '*.routingKey',
  '*.url',
  '*.secret',
  '*.headers',
  'config.sinks[*].webhookUrl',
  'config.sinks[*].routingKey',
  'config.sinks[*].url',
  'config.sinks[*].secret',
  'config.sinks[*].headers',
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
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
