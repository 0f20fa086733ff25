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
/** Titles are cut here too: a code rule's title goes to every sink, and sinks cut them further. */
export const MAX_TITLE_LENGTH = 1000;

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

/**
 * A title or dedup helper's value as text, or `undefined` when it gave nothing. A value that cannot
 * be rendered (a circular object, a BigInt inside one) is that helper's error, reported and
 * replaced by its default like a throw — never an error of the log object being read.
 */
function helperText(
  rule: CompiledRule,
  name: 'title' | 'dedup',
  event: LogEvent,
  errors: RuleErrorLog | undefined,
): string | undefined {
  const value = callHelper(rule, name, event, errors);
  if (value === undefined) return undefined;
  let text: string;
  try {
    text = renderValue(value);
  } catch (err) {
    errors?.report(rule.id, name, err);
    return undefined;
  }
  return text === '' ? undefined : text;
}

/**
 * The match of `rule` on `event`, with the dedup string dedup decides on. The title is computed
 * now only when the dedup string needs it (no `dedup` helper, or it gave nothing) or the rule is a
 * code rule (its `title` may throw, and that error is counted per match as it always was);
 * otherwise — a simple rule with `GroupBy` — on first read, which only an emitted alert does.
 */
export function toRuleMatch(rule: CompiledRule, event: LogEvent, errors?: RuleErrorLog): RuleMatch {
  if (rule.kind === 'simple' && rule.helpers.dedup) {
    const grouped = helperText(rule, 'dedup', event, errors);
    if (grouped !== undefined) return new LazyTitleMatch(rule, event, grouped, errors);
  }
  const dynamicTitle = helperText(rule, 'title', event, errors);
  const title = (dynamicTitle ?? (rule.displayName || rule.id)).slice(0, MAX_TITLE_LENGTH);
  // Panther: dedup() if given, else the title() output, else a per-rule constant.
  const dedup =
    (rule.kind === 'simple' ? undefined : helperText(rule, 'dedup', event, errors)) ??
    dynamicTitle ??
    `defaultDedupString:${rule.id}`;
  return { rule, event, title, dedupString: dedup.slice(0, MAX_DEDUP_STRING_LENGTH) };
}

/** A match whose title is rendered when read (a simple rule's title template cannot throw). */
class LazyTitleMatch implements RuleMatch {
  readonly dedupString: string;
  private rendered: string | undefined;

  constructor(
    readonly rule: CompiledRule,
    readonly event: LogEvent,
    dedup: string,
    private readonly errors: RuleErrorLog | undefined,
  ) {
    this.dedupString = dedup.slice(0, MAX_DEDUP_STRING_LENGTH);
  }

  get title(): string {
    return (this.rendered ??= (
      helperText(this.rule, 'title', this.event, this.errors) ??
      (this.rule.displayName || this.rule.id)
    ).slice(0, MAX_TITLE_LENGTH));
  }
}
