import { z } from 'zod';
import { SinksSchema } from '../sinks/config.js';
import {
  DedupSchema,
  LogSchema,
  RulesSchema,
  S3Schema,
  ServerSchema,
  ShutdownSchema,
  SqsSchema,
} from './sections.js';

/** The sinks used when a config lists none: alerts as JSON lines on stdout. */
export const DEFAULT_SINKS = [{ type: 'stdout' as const }];

/**
 * The whole configuration. Sections with defaults use `prefault` so that an absent section is
 * parsed from `{}` and gets every default of its fields. `sqs` is optional here because only the
 * daemon needs it; `run` checks it is present.
 */
export const ConfigSchema = z.strictObject({
  sqs: SqsSchema.optional(),
  s3: S3Schema.prefault({}),
  rules: RulesSchema.prefault({}),
  dedup: DedupSchema.prefault({}),
  sinks: SinksSchema.refine((sinks) => sinks.length > 0, {
    // An empty list would drop every alert and delete its message without a word.
    message: 'lists no sink, so every alert would be dropped: add a sink, or remove the key for stdout',
  }).prefault(DEFAULT_SINKS),
  server: ServerSchema.prefault({}),
  log: LogSchema.prefault({}),
  shutdown: ShutdownSchema.prefault({}),
});

export type Config = z.output<typeof ConfigSchema>;
export type SqsConfig = NonNullable<Config['sqs']>;
export type S3Config = Config['s3'];
export type RulesConfig = Config['rules'];
export type DedupConfig = Config['dedup'];
export type ServerConfig = Config['server'];
export type LogConfig = Config['log'];
export type ShutdownConfig = Config['shutdown'];
