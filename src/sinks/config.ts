import { z } from 'zod';
import { FileSinkSchema } from './file/config.js';
import { PagerDutySinkSchema } from './pagerduty/config.js';
import { SlackSinkSchema } from './slack/config.js';
import { StdoutSinkSchema } from './stdout/config.js';
import { WebhookSinkSchema } from './webhook/config.js';

export const SINK_SCHEMAS = [
  StdoutSinkSchema,
  FileSinkSchema,
  WebhookSinkSchema,
  SlackSinkSchema,
  PagerDutySinkSchema,
] as const;

export const SINK_TYPES = ['stdout', 'file', 'webhook', 'slack', 'pagerduty'] as const;

const AnySinkSchema = z.discriminatedUnion('type', SINK_SCHEMAS, {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `unknown sink type; expected one of ${SINK_TYPES.join(', ')}`
      : undefined,
});

/** The `sinks` list: each sink gets its name (default: its type), and names must be unique. */
export const SinksSchema = z
  .array(AnySinkSchema)
  .transform((sinks) => sinks.map((sink) => ({ ...sink, name: sink.name ?? sink.type })))
  .superRefine((sinks, ctx) => {
    const seen = new Set<string>();
    sinks.forEach((sink, index) => {
      if (seen.has(sink.name)) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `duplicate sink name "${sink.name}"; give each sink a distinct name (it keys the delivery ledger)`,
        });
      }
      seen.add(sink.name);
    });
  });

/** One sink's resolved configuration (name always set). */
export type SinkConfig = z.output<typeof SinksSchema>[number];
