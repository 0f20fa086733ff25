/**
 * Reading and resolving a CloudFormation template the way CloudFormation does before it creates
 * anything: short-form tags (`!Ref`, `!Sub`, …) become their long form, conditions are evaluated
 * from parameter values, resources and outputs whose condition is false are dropped, `Fn::If`
 * picks its branch and `AWS::NoValue` disappears.
 *
 * Used by validate-template.ts (the npm cfn-lint validator mishandles `Fn::If` branches that hold
 * further intrinsic functions, and validates resources whose condition is false) and by the
 * deployment tests.
 */
import { parse, type Tags, type YAMLMap, type YAMLSeq } from 'yaml';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Template {
  Parameters?: Record<string, { Type: string; Default?: string | number } & JsonObject>;
  Conditions?: Record<string, Json>;
  Resources: Record<string, { Type: string; Condition?: string; Properties?: JsonObject } & JsonObject>;
  Outputs?: Record<string, { Value: Json; Condition?: string } & JsonObject>;
  [key: string]: Json | undefined;
}

const FUNCTIONS = [
  'And',
  'Base64',
  'Cidr',
  'Equals',
  'FindInMap',
  'GetAZs',
  'If',
  'ImportValue',
  'Join',
  'Not',
  'Or',
  'Select',
  'Split',
  'Sub',
  'Transform',
];

/** One tag per intrinsic function, for scalars, sequences and mappings alike. */
function cloudFormationTags(): Tags {
  const tags: Tags = [];
  const add = (tag: string, wrap: (value: unknown) => unknown) => {
    tags.push({ tag, resolve: (value: string) => wrap(value) });
    // The yaml package types collection tags as returning nodes; a plain value is accepted too.
    tags.push({
      tag,
      collection: 'seq',
      resolve: (seq: YAMLSeq) => wrap(seq.toJSON()),
    } as unknown as Tags[number]);
    tags.push({
      tag,
      collection: 'map',
      resolve: (map: YAMLMap) => wrap(map.toJSON()),
    } as unknown as Tags[number]);
  };
  for (const fn of FUNCTIONS) add(`!${fn}`, (v) => ({ [`Fn::${fn}`]: v }));
  add('!Ref', (v) => ({ Ref: v }));
  add('!Condition', (v) => ({ Condition: v }));
  // `!GetAtt Resource.Attribute` is short for `Fn::GetAtt: [Resource, Attribute]`.
  add('!GetAtt', (v) => {
    if (typeof v !== 'string') return { 'Fn::GetAtt': v };
    const dot = v.indexOf('.');
    return { 'Fn::GetAtt': [v.slice(0, dot), v.slice(dot + 1)] };
  });
  return tags;
}

export function parseTemplate(text: string): Template {
  const doc = parse(text, { customTags: cloudFormationTags(), intAsBigInt: false }) as Template;
  if (!doc || typeof doc !== 'object' || !doc.Resources) {
    throw new Error('not a CloudFormation template: no Resources section');
  }
  return doc;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const NO_VALUE = Symbol('AWS::NoValue');

/** The value of every parameter: the given one, else its Default. */
export function parameterValues(template: Template, given: Record<string, string>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(template.Parameters ?? {})) {
    const value = given[name] ?? (spec.Default === undefined ? undefined : String(spec.Default));
    if (value === undefined) throw new Error(`parameter ${name} has no value and no Default`);
    values[name] = value;
  }
  for (const name of Object.keys(given)) {
    if (!(name in values)) throw new Error(`parameter ${name} is not declared in the template`);
  }
  return values;
}

/** Evaluates every entry of Conditions. */
export function evaluateConditions(
  template: Template,
  parameters: Record<string, string>,
  pseudo: Record<string, string> = {},
): Record<string, boolean> {
  const results: Record<string, boolean> = {};
  const scalar = (value: Json): string => {
    if (isObject(value) && typeof value.Ref === 'string') {
      const resolved = parameters[value.Ref] ?? pseudo[value.Ref];
      if (resolved === undefined) throw new Error(`condition refers to unknown ${value.Ref}`);
      return resolved;
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      return String(value);
    }
    throw new Error(`unsupported value in a condition: ${JSON.stringify(value)}`);
  };
  const evaluate = (expr: Json): boolean => {
    if (!isObject(expr)) throw new Error(`condition is not a function: ${JSON.stringify(expr)}`);
    const [fn, args] = Object.entries(expr)[0] ?? [];
    const list = Array.isArray(args) ? args : [];
    switch (fn) {
      case 'Fn::Equals':
        return scalar(list[0] ?? null) === scalar(list[1] ?? null);
      case 'Fn::Not':
        return !evaluate(list[0] ?? null);
      case 'Fn::And':
        return list.every(evaluate);
      case 'Fn::Or':
        return list.some(evaluate);
      case 'Condition':
        return named(String(args));
      default:
        throw new Error(`unsupported condition function ${fn}`);
    }
  };
  const named = (name: string): boolean => {
    if (!(name in results)) {
      const expr = template.Conditions?.[name];
      if (expr === undefined) throw new Error(`unknown condition ${name}`);
      results[name] = evaluate(expr);
    }
    return results[name]!;
  };
  for (const name of Object.keys(template.Conditions ?? {})) named(name);
  return results;
}

function pickBranches(value: Json, conditions: Record<string, boolean>): Json | typeof NO_VALUE {
  if (Array.isArray(value)) {
    return value
      .map((item) => pickBranches(item, conditions))
      .filter((item): item is Json => item !== NO_VALUE);
  }
  if (!isObject(value)) return value;
  if (value.Ref === 'AWS::NoValue') return NO_VALUE;
  const ifArgs = value['Fn::If'];
  if (Array.isArray(ifArgs) && Object.keys(value).length === 1) {
    const [name, whenTrue, whenFalse] = ifArgs;
    const holds = conditions[String(name)];
    if (holds === undefined) throw new Error(`Fn::If names unknown condition ${String(name)}`);
    return pickBranches((holds ? whenTrue : whenFalse) ?? null, conditions);
  }
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    const picked = pickBranches(item, conditions);
    if (picked !== NO_VALUE) out[key] = picked;
  }
  return out;
}

/**
 * The template as CloudFormation would act on it for these parameters: no Conditions section,
 * no conditional resource or output whose condition is false, no Fn::If, no AWS::NoValue.
 */
export function resolveConditions(
  template: Template,
  given: Record<string, string>,
  pseudo: Record<string, string> = {},
): Template {
  const conditions = evaluateConditions(template, parameterValues(template, given), pseudo);
  const keep = <T extends { Condition?: string }>(section: Record<string, T> | undefined) =>
    Object.fromEntries(
      Object.entries(section ?? {})
        .filter(([, item]) => item.Condition === undefined || conditions[item.Condition])
        .map(([name, item]) => {
          const { Condition: _condition, ...rest } = item;
          return [name, rest];
        }),
    );
  const { Conditions: _conditions, ...rest } = template;
  const pruned = { ...rest, Resources: keep(template.Resources), Outputs: keep(template.Outputs) };
  return pickBranches(pruned as unknown as Json, conditions) as unknown as Template;
}

/**
 * Resolves Ref, Fn::Sub, Fn::Join and Fn::GetAtt against `refs` (parameter values, pseudo
 * parameters, and the names resources stand for), for reading a computed string such as the
 * config the task receives.
 */
export function evaluateIntrinsics(value: Json, refs: Record<string, string>): Json {
  const lookup = (name: string): string => {
    const found = refs[name];
    if (found === undefined) throw new Error(`no value for ${name}`);
    return found;
  };
  if (Array.isArray(value)) return value.map((item) => evaluateIntrinsics(item, refs));
  if (!isObject(value)) return value;
  if (typeof value.Ref === 'string') return lookup(value.Ref);
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return lookup(getAtt.join('.'));
  const join = value['Fn::Join'];
  if (Array.isArray(join)) {
    const [separator, parts] = join;
    const items = evaluateIntrinsics(parts ?? [], refs);
    return (Array.isArray(items) ? items : []).map(String).join(String(separator));
  }
  const sub = value['Fn::Sub'];
  if (sub !== undefined) {
    const [text, vars] = Array.isArray(sub) ? sub : [sub, {}];
    const local = evaluateIntrinsics(vars ?? {}, refs) as Record<string, string>;
    // `${!Name}` is CloudFormation's escape for a literal `${Name}`.
    return String(text).replace(/\$\{(!?)([^}]+)\}/g, (_all, bang: string, name: string) =>
      bang ? `\${${name}}` : (local[name] ?? lookup(name)),
    );
  }
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, evaluateIntrinsics(item, refs)]),
  );
}
