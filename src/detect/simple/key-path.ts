/**
 * Key specifiers of simple detections — `Key: bucket`, `DeepKey: [a, 0, b]`, `KeyPath: a.b[0].c` —
 * compiled once into an accessor. The first segment goes through `LogEvent.get` (case-insensitive,
 * and lazy on access-log records); deeper segments walk plain JSON values, also case-insensitively,
 * as Panther's `deep_get` users expect. A `[*]` segment fans out over an array, so the accessor
 * returns the list of values found (our reading of Panther's wildcard paths).
 */

/** Anything with Panther's `get`: a LogEvent, or one element of a list in a list comprehension. */
export interface FieldSource {
  get(field: string): unknown;
}

export type PathSegment = string | number | '*';

export interface KeyAccessor {
  /** The path as the rule wrote it, for messages. */
  readonly label: string;
  readonly segments: readonly PathSegment[];
  /** True when the path contains `[*]`: the value is then the list of matches. */
  readonly fansOut: boolean;
  read(source: FieldSource): unknown;
}

/** Reads `key` from a plain object: exact spelling first, then case-insensitively. */
export function getIgnoringCase(object: unknown, key: string): unknown {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) return undefined;
  const record = object as Record<string, unknown>;
  if (Object.hasOwn(record, key)) return record[key];
  const lower = key.toLowerCase();
  for (const name of Object.keys(record)) if (name.toLowerCase() === lower) return record[name];
  return undefined;
}

/** Parses `a.b[0].c` / `a[*].b` into segments. Throws with a readable message on bad syntax. */
export function parseKeyPath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  const token = /([^.[\]]+)|\[(\d+|\*)\]|(\.)/gy;
  let expectName = true;
  let match: RegExpExecArray | null;
  while (token.lastIndex < path.length && (match = token.exec(path)) !== null) {
    if (match[1] !== undefined) {
      if (!expectName)
        throw new Error(`unexpected ${JSON.stringify(match[1])} in key path ${JSON.stringify(path)}`);
      segments.push(match[1]);
      expectName = false;
    } else if (match[2] !== undefined) {
      if (segments.length === 0) throw new Error(`key path ${JSON.stringify(path)} starts with an index`);
      segments.push(match[2] === '*' ? '*' : Number(match[2]));
    } else {
      if (expectName) throw new Error(`empty segment in key path ${JSON.stringify(path)}`);
      expectName = true;
    }
  }
  if (token.lastIndex !== path.length || segments.length === 0 || (expectName && segments.length > 0)) {
    throw new Error(`invalid key path ${JSON.stringify(path)}`);
  }
  return segments;
}

function step(value: unknown, segment: PathSegment): unknown {
  if (typeof segment === 'number') return Array.isArray(value) ? value[segment] : undefined;
  return getIgnoringCase(value, segment as string);
}

/**
 * Walks the segments after the first; a `*` fans out over an array and flattens. `keepMissing`
 * keeps an element that lacks the rest of the path as `undefined` (conditions test every element);
 * otherwise it is left out (titles, dedup strings, summaries show what is there).
 */
function walk(value: unknown, segments: readonly PathSegment[], from: number, keepMissing: boolean): unknown {
  let current = value;
  for (let i = from; i < segments.length; i++) {
    const segment = segments[i]!;
    if (current === undefined || current === null) return undefined;
    if (segment === '*') {
      if (!Array.isArray(current)) return undefined;
      const out: unknown[] = [];
      const nested = segments.slice(i + 1).includes('*');
      for (const element of current) {
        const found = walk(element, segments, i + 1, keepMissing);
        if (nested && Array.isArray(found)) out.push(...found);
        else if (found !== undefined || (keepMissing && !nested)) out.push(found);
      }
      return out;
    }
    current = step(current, segment);
  }
  return current;
}

export function compileAccessor(
  segments: readonly PathSegment[],
  label: string,
  { keepMissing = false }: { keepMissing?: boolean } = {},
): KeyAccessor {
  const [first, ...rest] = segments;
  if (typeof first !== 'string' || first === '*')
    throw new Error(`key ${JSON.stringify(label)} must start with a field name`);
  const fansOut = segments.includes('*');
  // The top-level-only accessor is what nearly every access-log rule uses: keep it one call.
  const read =
    rest.length === 0
      ? (source: FieldSource) => source.get(first)
      : (source: FieldSource) => walk(source.get(first), segments, 1, keepMissing);
  return { label, segments, fansOut, read };
}
