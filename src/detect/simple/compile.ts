/**
 * Compiles Panther match expressions (the `Detection`, `InlineFilters`, `DynamicSeverities`
 * conditions) into plain closures, once, when a rule is loaded. The per-event path then only reads
 * fields and compares; no YAML is looked at again.
 */
import {
  ABSOLUTE_CONDITIONS,
  CONDITIONS,
  LIST_COMPREHENSIONS,
  type ListComprehension,
  type ValueTest,
} from './conditions.js';
import { RuleSyntaxError } from './errors.js';
import {
  compileAccessor,
  getIgnoringCase,
  parseKeyPath,
  type FieldSource,
  type KeyAccessor,
} from './key-path.js';

export type Predicate = (source: FieldSource) => boolean;

export interface CompileContext {
  /** Looks up a site setting referenced as `Value: { Setting: name }` (ours). */
  setting(name: string): unknown;
}

/** A cheap first test on one top-level field that the engine can run (and memoise) before the rest. */
export interface Guard {
  field: string;
  test: ValueTest;
}

const COMBINATORS = ['All', 'Any', 'OnlyOne', 'None'] as const;
const EXPRESSION_KEYS = new Set(['Key', 'DeepKey', 'KeyPath', 'Condition', 'Value', 'Values', 'Expressions']);
const ALWAYS_TRUE: Predicate = () => true;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Reads the key specifier of an expression; `undefined` when it has none. */
export function compileKey(
  node: Record<string, unknown>,
  where: string,
  options: { keepMissing?: boolean } = {},
): KeyAccessor | undefined {
  const given = ['Key', 'DeepKey', 'KeyPath'].filter((name) => node[name] !== undefined);
  if (given.length > 1) throw new RuleSyntaxError(where, `use only one of ${given.join(', ')}`);
  if (given.length === 0) return undefined;
  const name = given[0]!;
  const raw = node[name];
  try {
    if (name === 'Key') {
      if (typeof raw !== 'string' || raw === '') throw new Error('must be a field name');
      return compileAccessor([raw], raw, options);
    }
    if (name === 'DeepKey') {
      if (!Array.isArray(raw) || raw.length === 0) throw new Error('must be a list of keys and indexes');
      const segments = raw.map((segment) => {
        if (typeof segment === 'number' && Number.isInteger(segment)) return segment;
        if (typeof segment === 'string' && segment !== '') return segment;
        throw new Error(`bad segment ${JSON.stringify(segment)}`);
      });
      return compileAccessor(segments, segments.join('.'), options);
    }
    if (typeof raw !== 'string') throw new Error('must be a path such as a.b[0].c');
    return compileAccessor(parseKeyPath(raw), raw, options);
  } catch (err) {
    throw new RuleSyntaxError(`${where}.${name}`, (err as Error).message);
  }
}

function resolveOperand(raw: unknown, where: string, ctx: CompileContext): unknown {
  if (isRecord(raw) && Object.keys(raw).length === 1 && typeof raw.Setting === 'string') {
    const resolved = ctx.setting(raw.Setting);
    if (resolved === undefined) {
      throw new RuleSyntaxError(
        where,
        `setting "${raw.Setting}" is not defined: set rules.settings.${raw.Setting} in the config, or give a default under Settings in the rule`,
      );
    }
    return resolved;
  }
  return raw;
}

function wrapForAccessor(
  accessor: KeyAccessor,
  test: ValueTest,
  { negative }: { negative: boolean },
): Predicate {
  const read = accessor.read;
  if (accessor.fansOut) {
    // A `[*]` path yields a list: a condition holds when it holds for at least one element, and a
    // negative one (`test` already negated) when its positive form holds for none.
    if (negative) {
      return (source) => {
        const found = read(source);
        return !Array.isArray(found) || found.every(test);
      };
    }
    return (source) => {
      const found = read(source);
      return Array.isArray(found) && found.some(test);
    };
  }
  return (source) => test(read(source));
}

/** A keyed condition compiled to its value test (used for guards too). */
function compileKeyedCondition(
  node: Record<string, unknown>,
  accessor: KeyAccessor,
  where: string,
  ctx: CompileContext,
): { test: ValueTest; negative: boolean } {
  const condition = node.Condition as string;
  const spec = CONDITIONS[condition];
  if (!spec) {
    const hint = condition in ABSOLUTE_CONDITIONS ? ' (it takes no key)' : '';
    throw new RuleSyntaxError(`${where}.Condition`, `unknown condition "${condition}"${hint}`);
  }
  const hasValue = node.Value !== undefined;
  const hasValues = node.Values !== undefined;
  let operand: unknown;
  switch (spec.operand) {
    case 'none':
      // `Value: true` is how some Panther rules write a condition without an operand.
      if ((hasValue && node.Value !== true) || hasValues)
        throw new RuleSyntaxError(where, `${condition} takes no Value or Values`);
      break;
    case 'value':
      if (!hasValue || hasValues)
        throw new RuleSyntaxError(where, `${condition} needs a Value (and no Values)`);
      operand = resolveOperand(node.Value, `${where}.Value`, ctx);
      break;
    case 'values':
      if (!hasValues || hasValue)
        throw new RuleSyntaxError(where, `${condition} needs a Values list (and no Value)`);
      operand = resolveOperand(node.Values, `${where}.Values`, ctx);
      break;
    case 'value-or-values':
      if (hasValue === hasValues)
        throw new RuleSyntaxError(where, `${condition} needs either Value or Values`);
      operand = resolveOperand(
        hasValue ? node.Value : node.Values,
        `${where}.${hasValue ? 'Value' : 'Values'}`,
        ctx,
      );
      break;
  }
  try {
    return {
      test: spec.build(operand),
      negative: spec.negative === true,
    };
  } catch (err) {
    throw new RuleSyntaxError(
      `${where}.${hasValues ? 'Values' : 'Value'}`,
      `${condition} ${(err as Error).message}`,
    );
  }
}

function elementSource(element: unknown): FieldSource {
  return { get: (field) => getIgnoringCase(element, field) };
}

function compileListComprehension(
  kind: ListComprehension,
  node: Record<string, unknown>,
  accessor: KeyAccessor | undefined,
  where: string,
  ctx: CompileContext,
): Predicate {
  if (!accessor) throw new RuleSyntaxError(where, `${kind} needs a Key, DeepKey or KeyPath naming a list`);
  if (node.Value !== undefined || node.Values !== undefined) {
    throw new RuleSyntaxError(where, `${kind} takes Expressions, not Value or Values`);
  }
  const inner = compileExpressionList(node.Expressions, `${where}.Expressions`, ctx);
  const read = accessor.read;
  const elements = (source: FieldSource): FieldSource[] => {
    const list = read(source);
    return Array.isArray(list) ? list.map(elementSource) : [];
  };
  switch (kind) {
    case 'AnyElement':
      return (source) => elements(source).some(inner);
    case 'AllElements':
      return (source) => {
        const list = elements(source);
        return list.length > 0 && list.every(inner);
      };
    case 'OnlyOneElement':
      return (source) => elements(source).filter(inner).length === 1;
    case 'NoElement':
      return (source) => !elements(source).some(inner);
  }
}

/** `Condition: X` with `Values: [{KeyPath: a}, {KeyPath: b}]`: compares two fields of the event. */
function compileMultiKey(node: Record<string, unknown>, where: string): Predicate {
  const condition = node.Condition as string;
  const spec = CONDITIONS[condition];
  if (!spec || spec.operand === 'none') {
    throw new RuleSyntaxError(`${where}.Condition`, `"${condition}" cannot compare two keys`);
  }
  const values = node.Values;
  if (!Array.isArray(values) || values.length !== 2 || !values.every(isRecord)) {
    throw new RuleSyntaxError(`${where}.Values`, 'a multi-key expression needs exactly two key specifiers');
  }
  const left = compileKey(values[0] as Record<string, unknown>, `${where}.Values[0]`);
  const right = compileKey(values[1] as Record<string, unknown>, `${where}.Values[1]`);
  if (!left || !right)
    throw new RuleSyntaxError(`${where}.Values`, 'each entry needs Key, DeepKey or KeyPath');
  // With no right-hand value to compare (missing or null — a live `-` field is null where a test
  // log leaves the field out — or not comparable this way, such as an object) the positive form is
  // false, and a negative form, its exact negation, true.
  const noComparison = spec.negative === true;
  return (source) => {
    const expected = right.read(source);
    if (expected === undefined || expected === null) return noComparison;
    try {
      return spec.build(spec.operand === 'values' && !Array.isArray(expected) ? [expected] : expected)(
        left.read(source),
      );
    } catch {
      return noComparison;
    }
  };
}

export function compileExpression(node: unknown, where: string, ctx: CompileContext): Predicate {
  if (!isRecord(node)) throw new RuleSyntaxError(where, 'must be a mapping (a match expression)');
  const combinator = COMBINATORS.find((name) => name in node);
  if (combinator) {
    if (Object.keys(node).length !== 1) {
      throw new RuleSyntaxError(where, `${combinator} must be the only key of its expression`);
    }
    const children = asList(node[combinator], `${where}.${combinator}`).map((child, i) =>
      compileExpression(child, `${where}.${combinator}[${i}]`, ctx),
    );
    return combine(combinator, children);
  }
  for (const key of Object.keys(node)) {
    if (key === 'Enrichment')
      throw new RuleSyntaxError(`${where}.${key}`, 'Enrichment (lookup tables) is not supported');
    if (!EXPRESSION_KEYS.has(key))
      throw new RuleSyntaxError(`${where}.${key}`, 'unknown key in a match expression');
  }
  if (typeof node.Condition !== 'string') throw new RuleSyntaxError(`${where}.Condition`, 'is required');
  const condition = node.Condition;
  const accessor = compileKey(node, where);
  if (condition in ABSOLUTE_CONDITIONS) {
    const result = ABSOLUTE_CONDITIONS[condition]!;
    return () => result;
  }
  if ((LIST_COMPREHENSIONS as readonly string[]).includes(condition)) {
    return compileListComprehension(condition as ListComprehension, node, accessor, where, ctx);
  }
  if (node.Expressions !== undefined)
    throw new RuleSyntaxError(`${where}.Expressions`, `not used by ${condition}`);
  if (!accessor) {
    if (Array.isArray(node.Values)) return compileMultiKey(node, where);
    throw new RuleSyntaxError(where, 'needs a Key, DeepKey or KeyPath');
  }
  const { test, ...shape } = compileKeyedCondition(node, accessor, where, ctx);
  // A condition on a `[*]` path tests every element, those lacking the key included.
  return wrapForAccessor(compileKey(node, where, { keepMissing: true })!, test, shape);
}

function asList(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new RuleSyntaxError(where, 'must be a non-empty list');
  return value;
}

function combine(combinator: (typeof COMBINATORS)[number], children: Predicate[]): Predicate {
  switch (combinator) {
    case 'All':
      if (children.length === 1) return children[0]!;
      return (source) => {
        for (const child of children) if (!child(source)) return false;
        return true;
      };
    case 'Any':
      return (source) => {
        for (const child of children) if (child(source)) return true;
        return false;
      };
    case 'OnlyOne':
      return (source) => {
        let count = 0;
        for (const child of children) if (child(source) && ++count > 1) return false;
        return count === 1;
      };
    case 'None':
      return (source) => {
        for (const child of children) if (child(source)) return false;
        return true;
      };
  }
}

/** A list of expressions, implicitly AND-ed (the top level of `Detection`). */
export function compileExpressionList(list: unknown, where: string, ctx: CompileContext): Predicate {
  const children = asList(list, where).map((node, i) => compileExpression(node, `${where}[${i}]`, ctx));
  return combine('All', children);
}

/**
 * Compiles an implicitly AND-ed list and lifts out the first conjunct that tests one top-level field
 * with a plain condition, so the engine can run it first and memoise it per field value (an access
 * log's `operation` takes a few dozen values). `rest` is the remaining conjunction.
 */
export function compileWithGuard(
  list: unknown,
  where: string,
  ctx: CompileContext,
): { guard: Guard | undefined; rest: Predicate } {
  const nodes = asList(list, where);
  let guard: Guard | undefined;
  const rest: Predicate[] = [];
  nodes.forEach((node, i) => {
    const at = `${where}[${i}]`;
    const predicate = compileExpression(node, at, ctx);
    if (!guard && isRecord(node) && typeof node.Condition === 'string' && node.Condition in CONDITIONS) {
      const accessor = compileKey(node, at);
      if (accessor && accessor.segments.length === 1) {
        guard = { field: accessor.label, test: compileKeyedCondition(node, accessor, at, ctx).test };
        return;
      }
    }
    rest.push(predicate);
  });
  return { guard, rest: rest.length === 0 ? ALWAYS_TRUE : combine('All', rest) };
}
