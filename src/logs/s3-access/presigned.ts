/**
 * A presigned URL holds its signature (and, for temporary credentials, a session token): with them
 * anyone can repeat the request until it expires. Such a URL reaches an alert in the request-URI,
 * in the referrer (a page opened from a presigned URL sends it with its sub-requests), and in any
 * title, dedup string, summary or context a rule builds from those. Alerts go to chat channels and
 * paging tools, so every string an alert carries is stripped of them, and so is every value
 * under a key named like those parameters or paired with such a name (a query a code rule turned
 * into an object or into `[name, value]` pairs). Rules still see the raw
 * record; `parse` prints it unchanged.
 */
// Also percent-encoded, as a presigned URL nested in another URL's query string is
// (`?file=https%3A…%3FX-Amz-Signature%3D…`): there `%26` ends the value as `&` does. The SigV4
// names also at the start of a string or after a space, `;` or `,`: a code rule may split the query
// itself (`requesturi.split('&')` gives `X-Amz-Signature=…`). SigV2's bare `Signature` is a common
// word, so outside a query it counts only with a value shaped like a signature.
/** A signature's value: base64 or hex (SigV2's is base64 of 20 bytes), possibly percent-encoded. */
const SIGNATURE_SHAPE = '[A-Za-z0-9+/=%_-]{16}';
const PRESIGNED_SECRET = new RegExp(
  [
    String.raw`((?:^|[?&\s;,]|%3F|%26)(?:X-Amz-Signature|X-Amz-Security-Token)(?:=|%3D))`,
    String.raw`((?:[?&]|%3F|%26)Signature(?:=|%3D))`,
    String.raw`((?:^|[\s;,])Signature(?:=|%3D)(?=${SIGNATURE_SHAPE}))`,
  ]
    .map((prefix) => `${prefix}(?:(?!%26)[^&\\s"])*`)
    .join('|'),
  'gi',
);
/** Names whose values are secrets wherever they appear: under such a key, or as a `[name, value]` pair. */
const SECRET_NAME = /^(?:X-Amz-Signature|X-Amz-Security-Token)$/i;
/** SigV2's `Signature`: a secret only when its value has a signature's shape (not `SigV4`). */
const V2_SIGNATURE_NAME = /^Signature$/i;
/** Cheap first test: most strings hold none of the parameter names. */
const MAY_HOLD_SECRET = /signature|security-token/i;
/** Rule-built context can nest; deeper than this it is left as it is (it is still JSON). */
const MAX_DEPTH = 32;

const REDACTED = '[redacted]';

/** The text with the values of presigned-URL signatures and session tokens replaced. */
function withoutPresignedSecrets(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  return text.replace(
    PRESIGNED_SECRET,
    (_match, amz?: string, v2?: string, bareV2?: string) => `${amz ?? v2 ?? bareV2}${REDACTED}`,
  );
}

/**
 * `value` as sinks will send it — JSON, so `toJSON()` and class instances become plain data (a
 * `URL` a code rule put in its context is a string here) — with every string in it passed through
 * `withoutPresignedSecrets`. The parts that did not change are shared with `value`.
 */
export function redactPresignedSecrets<T>(value: T): T {
  const plain = isPlainData(value, 0) ? value : (JSON.parse(JSON.stringify(value)) as T);
  return redactStrings(plain, 0);
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

function redactStrings<T>(value: T, depth: number): T {
  if (typeof value === 'string') return withoutPresignedSecrets(value) as T;
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    // `[name, value]`, as `[...new URLSearchParams(query)]` gives.
    if (value.length === 2 && typeof value[0] === 'string' && isSecretName(value[0])) {
      const secret = redactSecret(value[0], value[1], depth + 1);
      return (secret === value[1] ? value : [value[0], secret]) as T;
    }
    let copy: unknown[] | undefined;
    value.forEach((element, index) => {
      const redacted = redactStrings(element, depth + 1);
      if (redacted !== element) (copy ??= [...value])[index] = redacted;
    });
    return (copy ?? value) as T;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, element] of Object.entries(value)) {
    const redacted = isSecretName(key)
      ? redactSecret(key, element, depth + 1)
      : redactStrings(element, depth + 1);
    if (redacted !== element) (copy ??= { ...(value as Record<string, unknown>) })[key] = redacted;
  }
  return (copy ?? value) as T;
}

function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) || V2_SIGNATURE_NAME.test(name);
}

const SIGNATURE_VALUE = new RegExp(`^${SIGNATURE_SHAPE}`);

/**
 * The value of a secret-named key or pair: every string in it replaced (for `Signature`, every
 * string shaped like a signature: a context field `signature: 'SigV4'` is not one). Repeated
 * parameters come as arrays (`querystring.parse`), so this goes down into them.
 */
function redactSecret(name: string, value: unknown, depth: number): unknown {
  if (typeof value === 'string') {
    const secret = SECRET_NAME.test(name) || SIGNATURE_VALUE.test(value);
    return secret && value !== '' ? REDACTED : withoutPresignedSecrets(value);
  }
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return value;
  let changed = false;
  const entries = Object.entries(value).map(([key, element]) => {
    const redacted = redactSecret(name, element, depth + 1);
    if (redacted !== element) changed = true;
    return [key, redacted] as const;
  });
  if (!changed) return value;
  return Array.isArray(value) ? entries.map(([, element]) => element) : Object.fromEntries(entries);
}
