/**
 * A presigned URL holds its signature (and, for temporary credentials, a session token): with them
 * anyone can repeat the request until it expires. Such a URL reaches an alert in the request-URI,
 * in the referrer (a page opened from a presigned URL sends it with its sub-requests), and in any
 * title, dedup string, summary or context a rule builds from those. Alerts go to chat channels and
 * paging tools, so every string an alert carries is stripped of them, and so is every value
 * under a key named like those parameters (a query a code rule turned into an object). Rules still see the raw
 * record; `parse` prints it unchanged.
 */
// Also percent-encoded, as a presigned URL nested in another URL's query string is
// (`?file=https%3A…%3FX-Amz-Signature%3D…`): there `%26` ends the value as `&` does. Also at the
// start of a string or after a space, `;` or `,`: a code rule may split the query itself
// (`requesturi.split('&')` gives `X-Amz-Signature=…`).
const PRESIGNED_SECRET =
  /((?:^|[?&\s;,]|%3F|%26)(?:X-Amz-Signature|X-Amz-Security-Token|Signature)(?:=|%3D))(?:(?!%26)[^&\s"])*/gi;
/** Keys whose values are such secrets: a code rule may turn the query into an object. */
const SECRET_KEY = /^(?:X-Amz-Signature|X-Amz-Security-Token|Signature)$/i;
/** Cheap first test: most strings hold none of the parameter names. */
const MAY_HOLD_SECRET = /signature|security-token/i;
/** Rule-built context can nest; deeper than this it is left as it is (it is still JSON). */
const MAX_DEPTH = 32;

const REDACTED = '[redacted]';

/** The text with the values of presigned-URL signatures and session tokens replaced. */
function withoutPresignedSecrets(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  return text.replace(PRESIGNED_SECRET, `$1${REDACTED}`);
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
    let copy: unknown[] | undefined;
    value.forEach((element, index) => {
      const redacted = redactStrings(element, depth + 1);
      if (redacted !== element) (copy ??= [...value])[index] = redacted;
    });
    return (copy ?? value) as T;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, element] of Object.entries(value)) {
    const redacted =
      SECRET_KEY.test(key) && typeof element === 'string' && element !== ''
        ? REDACTED
        : redactStrings(element, depth + 1);
    if (redacted !== element) (copy ??= { ...(value as Record<string, unknown>) })[key] = redacted;
  }
  return (copy ?? value) as T;
}
