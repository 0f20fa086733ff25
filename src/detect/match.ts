/**
 * What the engine hands to dedup for each match: the rule, the event, and the two strings dedup
 * needs (title and dedup string) — computed with Panther's fallbacks. The remaining alert fields are
 * only computed for matches that become alerts (src/alert/build-alert.ts).
 */
import type { LogEvent } from '../logs/event.js';
import type { CompiledRule, RuleHelpers } from './rule.js';
import type { RuleErrorLog } from './rule-errors.js';
import { renderValue } from './simple/template.js';

export const MAX_DEDUP_STRING_LENGTH = 1000;

export interface RuleMatch {
  rule: CompiledRule;
  event: LogEvent;
  title: string;
  dedupString: string;
}

/** Calls a helper; `undefined` when it is absent, threw (reported) or returned nothing. */
export function callHelper(
  rule: CompiledRule,
  name: keyof RuleHelpers,
  event: LogEvent,
  errors: RuleErrorLog | undefined,
): unknown {
  const helper = rule.helpers[name];
  if (!helper) return undefined;
  try {
    const value = helper(event);
    return value === null ? undefined : value;
  } catch (err) {
    errors?.report(rule.id, name, err);
    return undefined;
  }
}

function nonEmptyText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = renderValue(value);
  return text === '' ? undefined : text;
}

export function describeMatch(rule: CompiledRule, event: LogEvent, errors?: RuleErrorLog): RuleMatch {
  const dynamicTitle = nonEmptyText(callHelper(rule, 'title', event, errors));
  const title = dynamicTitle ?? (rule.displayName || rule.id);
  // Panther: dedup() if given, else the title() output, else a per-rule constant.
  const dedup =
    nonEmptyText(callHelper(rule, 'dedup', event, errors)) ?? dynamicTitle ?? `defaultDedupString:${rule.id}`;
  return { rule, event, title, dedupString: dedup.slice(0, MAX_DEDUP_STRING_LENGTH) };
}
