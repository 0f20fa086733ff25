/**
 * A presigned URL holds its signature (and, for temporary credentials, a session token): with them
 * anyone can repeat the request until it expires. Such a URL reaches an alert in the request-URI,
 * in the referrer (a page opened from a presigned URL sends it with its sub-requests), and in any
 * title, dedup string, summary or context a rule builds from those. Alerts go to chat channels and
 * paging tools, so they are stripped of them. Rules still see the raw record; `parse` prints it
 * unchanged.
 *
 * Two passes over the alert. The first finds the secrets where a URL carries them
 * (`?X-Amz-Signature=…`, `&X-Amz-Security-Token=…`, SigV2's `&Signature=…`, also percent-encoded
 * once or twice, as in a presigned URL nested in another URL's query). The second replaces every
 * occurrence of those values, in each form they may take (raw, decoded, encoded, without base64
 * padding), in every string of the alert. A code rule can reshape the query any way it likes —
 * JSON text, `[name, value]` pairs, `{name, value}` objects, renamed keys, `split('=')` — and the
 * secret is still found, because it is looked for by its value, not by its surroundings.
 */

// A parameter name where a URL (or a URL nested in one, percent-encoded once or twice) has one.
// SigV2's bare `Signature` only there: elsewhere it is an ordinary word (`signature: SigV4`).
const URL_SECRET = new RegExp(
  String.raw`((?:[?&]|%3F|%26|%253F|%2526)(?:X-Amz-Signature|X-Amz-Security-Token|Signature)` +
    String.raw`|(?:^|[^A-Za-z0-9_-])(?:X-Amz-Signature|X-Amz-Security-Token))` +
    String.raw`(?:=|%3D|%253D)((?:(?!%26|%2526)[^&\s"'<>])*)`,
  'gi',
);
/** Cheap first test: most strings hold none of the parameter names. */
const MAY_HOLD_SECRET = /signature|security-token/i;
/** Shorter values are not signatures or tokens (a SigV4 signature has 64 characters). */
const MIN_SECRET_CHARS = 8;
/** Rule-built context can nest; deeper than this it is left as it is (it is still JSON). */
const MAX_DEPTH = 32;

const REDACTED = '[redacted]';

/**
 * `value` as sinks will send it — JSON, so `toJSON()` and class instances become plain data (a
 * `URL` a code rule put in its context is a string here) — with every presigned-URL secret it
 * carries replaced by `[redacted]`. The parts that did not change are shared with `value`.
 */
export function redactPresignedSecrets<T>(value: T): T {
  const plain = isPlainData(value, 0) ? value : (JSON.parse(JSON.stringify(value)) as T);
  const secrets = new Set<string>();
  forEachString(plain, 0, (text) => collectSecrets(text, secrets));
  if (secrets.size === 0) return plain;
  // Longest first: a value's encoded form contains its shorter pieces' positions.
  const forms = [...secrets].sort((a, b) => b.length - a.length);
  return replaceStrings(plain, 0, (text) => withoutSecrets(text, forms));
}

/** Adds to `secrets` every form of each signature or token a URL in `text` carries. */
function collectSecrets(text: string, secrets: Set<string>): void {
  if (!MAY_HOLD_SECRET.test(text)) return;
  for (const match of text.matchAll(URL_SECRET)) {
    for (const form of formsOf(match[2] ?? '')) if (form.length >= MIN_SECRET_CHARS) secrets.add(form);
  }
}

/** A value as a code rule may have it: as logged, decoded once or twice, encoded, unpadded. */
function formsOf(raw: string): string[] {
  const forms = new Set<string>([raw]);
  let decoded = raw;
  for (let i = 0; i < 2; i++) {
    decoded = safeDecode(decoded.replaceAll('+', ' '));
    forms.add(decoded);
  }
  for (const form of [...forms]) {
    forms.add(encodeURIComponent(form));
    forms.add(form.replace(/(?:=|%3D)+$/i, '')); // base64 padding cut off by split('=')
  }
  return [...forms];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function withoutSecrets(text: string, forms: readonly string[]): string {
  let out = text;
  for (const form of forms) if (out.includes(form)) out = out.replaceAll(form, REDACTED);
  return out;
}

/** Strings, numbers, booleans, null, arrays and plain objects all the way down. */
function isPlainData(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return typeof value !== 'bigint';
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(value)) return value.every((element) => isPlainData(element, depth + 1));
  const prototype: unknown = Object.getPrototypeOf(value);
  if ((prototype !== Object.prototype && prototype !== null) || 'toJSON' in value) return false;
  return Object.values(value).every((element) => isPlainData(element, depth + 1));
}

/** Calls `visit` with every string in `value`, object keys included (they reach sinks too). */
function forEachString(value: unknown, depth: number, visit: (text: string) => void): void {
  if (typeof value === 'string') return visit(value);
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return;
  for (const [key, element] of Object.entries(value)) {
    if (!Array.isArray(value)) visit(key);
    forEachString(element, depth + 1, visit);
  }
}

/** `value` with `replace` applied to every string and object key; unchanged parts are shared. */
function replaceStrings<T>(value: T, depth: number, replace: (text: string) => string): T {
  if (typeof value === 'string') return replace(value) as T;
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((element, index) => {
      const replaced = replaceStrings(element, depth + 1, replace);
      if (replaced !== element) (copy ??= [...value])[index] = replaced;
    });
    return (copy ?? value) as T;
  }
  let changed = false;
  const entries = Object.entries(value).map(([key, element]) => {
    const newKey = replace(key);
    const replaced = replaceStrings(element, depth + 1, replace);
    if (newKey !== key || replaced !== element) changed = true;
    return [newKey, replaced] as const;
  });
  return (changed ? Object.fromEntries(entries) : value) as T;
}
