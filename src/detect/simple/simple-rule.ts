/**
 * Turns a validated simple-detection rule file into its predicate and helpers: `Detection` (with
 * its guard lifted out), `InlineFilters`, `AlertTitle`, `GroupBy`, `AlertContext` and
 * `DynamicSeverities` — all compiled here, once.
 */
import type { Severity } from '../../alert/alert.js';
import type { LogEvent } from '../../logs/event.js';
import type { RuleHelpers } from '../rule.js';
import type { RuleFile } from '../schema.js';
import {
  compileExpressionList,
  compileKey,
  compileWithGuard,
  type CompileContext,
  type Guard,
  type Predicate,
} from './compile.js';
import { RuleSyntaxError } from './errors.js';
import { compileTemplate, renderValue } from './template.js';

export interface CompiledLogic {
  guard: Guard | undefined;
  rest: (event: LogEvent) => boolean;
  helpers: RuleHelpers;
}

/** `InlineFilters` plus the rule body: the filters run first, and lend their guard when they have one. */
export function compileFiltersAndBody(
  file: RuleFile,
  body: ((event: LogEvent) => boolean) | undefined,
  ctx: CompileContext,
): { guard: Guard | undefined; rest: (event: LogEvent) => boolean } {
  const both = (a: Predicate, b: (event: LogEvent) => boolean) => (event: LogEvent) => a(event) && b(event);
  if (file.Detection !== undefined) {
    const detection = compileWithGuard(file.Detection, 'Detection', ctx);
    if (file.InlineFilters === undefined) return detection;
    const filters = compileExpressionList(file.InlineFilters, 'InlineFilters', ctx);
    return { guard: detection.guard, rest: both(filters, detection.rest) };
  }
  if (!body) throw new Error('a rule without Detection needs a code body');
  if (file.InlineFilters === undefined) return { guard: undefined, rest: body };
  const filters = compileWithGuard(file.InlineFilters, 'InlineFilters', ctx);
  return { guard: filters.guard, rest: both(filters.rest, body) };
}

export function compileSimpleRule(file: RuleFile, ctx: CompileContext): CompiledLogic {
  const { guard, rest } = compileFiltersAndBody(file, undefined, ctx);
  const helpers: RuleHelpers = {};
  if (file.AlertTitle !== undefined) helpers.title = compileTemplate(file.AlertTitle, 'AlertTitle');
  if (file.GroupBy !== undefined) {
    const keys = file.GroupBy.map((spec, i) => {
      const accessor = compileKey(spec, `GroupBy[${i}]`);
      if (!accessor) throw new RuleSyntaxError(`GroupBy[${i}]`, 'needs Key, DeepKey or KeyPath');
      return accessor;
    });
    // Values joined with ":" (a missing value is empty), so `GroupBy: [bucket, requester]` gives `b:r`.
    helpers.dedup = (event) => keys.map((key) => renderValue(key.read(event))).join(':');
  }
  if (file.AlertContext !== undefined) {
    const entries = file.AlertContext.map((entry, i) => {
      const accessor = compileKey(entry.KeyValue, `AlertContext[${i}].KeyValue`);
      if (!accessor)
        throw new RuleSyntaxError(`AlertContext[${i}].KeyValue`, 'needs Key, DeepKey or KeyPath');
      return [entry.KeyName, accessor] as const;
    });
    helpers.alertContext = (event) => {
      const context: Record<string, unknown> = {};
      for (const [name, accessor] of entries) context[name] = accessor.read(event) ?? null;
      return context;
    };
  }
  if (file.DynamicSeverities !== undefined) {
    const levels: Array<[Severity, Predicate]> = file.DynamicSeverities.map((level, i) => [
      level.ChangeTo,
      compileExpressionList(level.Conditions, `DynamicSeverities[${i}].Conditions`, ctx),
    ]);
    // The first block whose conditions hold wins; none holding keeps the rule's Severity.
    helpers.severity = (event) => {
      for (const [severity, when] of levels) if (when(event)) return severity;
      return undefined;
    };
  }
  return { guard, rest, helpers };
}
