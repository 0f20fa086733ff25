/**
 * The rule file format: Panther's rule YAML (`AnalysisType: rule`), validated with zod so that a
 * mistake is reported with the key it is under. Two additions are ours and documented as such in
 * docs/rules.md: `Settings` (defaults for site settings) and the `Wildcard`/CIDR-list conditions.
 */
import { z } from 'zod';
import { SEVERITIES, type Severity } from '../alert/alert.js';

const severity = z
  .string({ error: 'is required (one of Info, Low, Medium, High, Critical)' })
  .transform((value, ctx): Severity => {
    const upper = value.toUpperCase();
    if ((SEVERITIES as readonly string[]).includes(upper)) return upper as Severity;
    ctx.addIssue({
      code: 'custom',
      message: `must be one of Info, Low, Medium, High, Critical (got "${value}")`,
    });
    return z.NEVER;
  });

const text = z
  .string()
  .optional()
  .transform((value) => (value ?? '').trim());

/** Match expressions are validated by the compiler (it knows every condition); here only their shape. */
const expressionList = z.array(z.record(z.string(), z.unknown()), {
  error: 'must be a list of match expressions',
});

const keySpecifier = z.record(z.string(), z.unknown(), {
  error: 'must be a key specifier (Key, DeepKey or KeyPath)',
});

export const ruleTestSchema = z.strictObject({
  Name: z.string({ error: 'is required (a string)' }),
  ExpectedResult: z.boolean({ error: 'is required (true or false)' }),
  Log: z.record(z.string(), z.unknown(), { error: 'is required (a mapping: the event)' }),
  Mocks: z.array(z.unknown()).optional(),
  /** Older Panther test files name the event's log type here; `p_log_type` in the Log wins. */
  LogType: z.string().optional(),
});

/**
 * A tag or report entry. YAML reads `CIS: [3.5]` (as panther-analysis writes it) as a number; the
 * loader hands over the text as written (`3.10` stays `3.10`), and other sources' numbers and
 * booleans are taken as text too.
 */
const scalarText = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export const ruleFileSchema = z
  .strictObject({
    AnalysisType: z.literal('rule'),
    RuleID: z.string({ error: 'is required (a string)' }).min(1, 'must not be empty'),
    DisplayName: z.string().optional(),
    Enabled: z.boolean({ error: 'must be true or false' }).default(true),
    LogTypes: z
      .array(z.string(), { error: 'is required (a list of log types)' })
      .min(1, 'must list at least one log type'),
    Severity: severity,
    DedupPeriodMinutes: z.number().int().positive('must be a positive number of minutes').default(60),
    Threshold: z.number().int().positive('must be at least 1').default(1),
    Tags: z.array(scalarText).default([]),
    Reports: z.record(z.string(), z.array(scalarText)).default({}),
    Description: text,
    Runbook: text,
    Reference: text,
    SummaryAttributes: z.array(z.string()).default([]),
    Tests: z.array(ruleTestSchema).default([]),
    InlineFilters: expressionList.optional(),
    Filename: z.string().min(1).optional(),
    Detection: expressionList.optional(),
    AlertTitle: z.string().optional(),
    AlertContext: z
      .array(z.strictObject({ KeyName: z.string().min(1), KeyValue: keySpecifier }), {
        error: 'must be a list of {KeyName, KeyValue}',
      })
      .optional(),
    GroupBy: z.array(keySpecifier, { error: 'must be a list of key specifiers' }).optional(),
    DynamicSeverities: z
      .array(z.strictObject({ ChangeTo: severity, Conditions: expressionList }), {
        error: 'must be a list of {ChangeTo, Conditions}',
      })
      .optional(),
    /** Ours: default values of site settings the rule reads with `{ Setting: name }`. */
    Settings: z.record(z.string(), z.unknown()).optional(),
    // Panther keys we accept so that Panther rule files load unchanged, but do not act on.
    OutputIds: z.array(z.string()).optional(),
    OnlyUseBaseRiskScore: z.boolean().optional(),
    /** False makes the rule a signal, which is tested but not run (see RuleMetadata.createAlert). */
    CreateAlert: z.boolean().optional(),
  })
  .superRefine((rule, ctx) => {
    if ((rule.Detection === undefined) === (rule.Filename === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['Detection'],
        message: 'a rule needs exactly one of Detection or Filename',
      });
    }
    if (rule.Filename !== undefined) {
      for (const key of ['AlertTitle', 'AlertContext', 'GroupBy', 'DynamicSeverities'] as const) {
        if (rule[key] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: 'only simple detections (Detection) use this key',
          });
        }
      }
    }
  });

export type RuleFile = z.output<typeof ruleFileSchema>;

/** Renders zod issues as `Key.path: what is wrong`, one per line. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path
      .map((segment, i) =>
        typeof segment === 'number' ? `[${segment}]` : `${i === 0 ? '' : '.'}${String(segment)}`,
      )
      .join('');
    return `${path || '(top level)'}: ${issue.message}`;
  });
}
