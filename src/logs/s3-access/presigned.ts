/**
 * A presigned URL holds its signature (and, for temporary credentials, a session token): with them
 * anyone can repeat the request until it expires. Such a URL reaches an alert in the request-URI,
 * in the referrer (a page opened from a presigned URL sends it with its sub-requests), and in any
 * title, dedup string, summary or context a rule builds from those. Alerts go to chat channels and
 * paging tools, so they are stripped of them. Rules still see the raw record; `parse` prints it
 * unchanged.
 *
 * Two passes over the alert:
 * - In every string, the value right after a signature or token parameter is replaced
 *   (`?X-Amz-Signature=…`, `&X-Amz-Security-Token=…`, SigV2's `&Signature=…`, also
 *   percent-encoded once or twice, as in a presigned URL nested in another URL's query).
 * - The secrets of the record's own presigned URLs (its request-URI and referrer, when they carry
 *   credentials) are then replaced by value wherever they appear, in each form they may take (raw,
 *   decoded, encoded, without base64 padding). A code rule can reshape the query any way it likes
 *   — JSON text, `[name, value]` pairs, `{Key, Value}` objects, renamed keys — and the secret is
 *   still found. Only values shaped like a signature or token count, and never one that appears in
 *   another field of the record: the request and referrer are client text, and a client that wrote
 *   its own IP address or ARN there as a "signature" must not blank those fields out of the alert.
 */

// A parameter name where a URL (or a URL nested in one, percent-encoded once or twice) has one.
// SigV2's bare `Signature` only there: elsewhere it is an ordinary word (`signature: SigV4`).
const URL_SECRET = new RegExp(
  String.raw`((?:(?:[?&]|%3F|%26|%253F|%2526)(?:X-Amz-Signature|X-Amz-Security-Token|Signature)` +
    String.raw`|(?:^|[^A-Za-z0-9_-])(?:X-Amz-Signature|X-Amz-Security-Token))(?:=|%3D|%253D))` +
    String.raw`((?:(?!%26|%2526)[^&\s"'<>])*)`,
  'gi',
);
/** A presigned URL names its credential: a value beside none is not a presigned URL's secret. */
const HAS_CREDENTIAL = /X-Amz-Credential|AWSAccessKeyId/i;
/** The shapes of the secrets, decoded: SigV4 (hex SHA-256), SigV2 (base64 SHA-1 or SHA-256), STS token. */
const SIGV4_SIGNATURE = /^[0-9a-f]{64}$/i;
const SIGV2_SIGNATURE = /^(?:[A-Za-z0-9+/]{27}|[A-Za-z0-9+/]{43})=$/;
const SESSION_TOKEN = /^[A-Za-z0-9+/=]{40,}$/;
/** Cheap first test: most strings hold none of the parameter names. */
const MAY_HOLD_SECRET = /signature|security-token/i;
/** Rule-built context can nest; deeper than this it is left as it is (it is still JSON). */
const MAX_DEPTH = 32;
/** The record's fields where a presigned URL's secrets may be: client-written text. */
const URL_FIELDS = ['requesturi', 'referrer'];

const REDACTED = '[redacted]';

/**
 * `value` as sinks will send it — JSON, so `toJSON()` and class instances become plain data (a
 * `URL` a code rule put in its context is a string here) — with every presigned-URL secret it
 * carries replaced by `[redacted]`. `value` is an alert (its `event` the record); for anything
 * else, every string is searched for presigned URLs. The parts that did not change are shared.
 */
export function redactPresignedSecrets<T>(value: T): T {
  const plain = isPlainData(value, 0) ? value : (JSON.parse(JSON.stringify(value)) as T);
  const event = (plain as { event?: unknown } | null)?.event;
  const record = event !== null && typeof event === 'object' ? (event as Record<string, unknown>) : undefined;
  const sources: string[] = [];
  if (record) {
    for (const field of URL_FIELDS) if (typeof record[field] === 'string') sources.push(record[field]);
  } else {
    forEachString(plain, 0, (text) => sources.push(text));
  }
  const others = record
    ? Object.entries(record)
        .filter(([field, fieldValue]) => !URL_FIELDS.includes(field) && typeof fieldValue === 'string')
        .map(([, fieldValue]) => fieldValue as string)
    : [];
  const secrets = new Set<string>();
  for (const text of sources) collectSecrets(text, secrets, others);
  // Longest first: a value's encoded form contains its shorter pieces' positions.
  const forms = [...secrets].sort((a, b) => b.length - a.length);
  return replaceStrings(plain, 0, (text) => withoutSecrets(withoutUrlSecrets(text), forms));
}

/** The text with the value after each signature or token parameter replaced. */
function withoutUrlSecrets(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  return text.replace(URL_SECRET, (_match, lead: string, secret: string) =>
    secret === '' ? lead : `${lead}${REDACTED}`,
  );
}

/**
 * Adds to `secrets` every form of each signature or token a presigned URL in `text` carries, when
 * it has the shape of one and appears in no field of the record outside its URLs (`others`).
 */
function collectSecrets(text: string, secrets: Set<string>, others: readonly string[]): void {
  if (!MAY_HOLD_SECRET.test(text) || !HAS_CREDENTIAL.test(text)) return;
  for (const [, lead = '', raw = ''] of text.matchAll(URL_SECRET)) {
    const forms = formsOf(raw);
    const shape = /security-token/i.test(lead)
      ? SESSION_TOKEN
      : /x-amz-signature/i.test(lead)
        ? SIGV4_SIGNATURE
        : SIGV2_SIGNATURE;
    if (!forms.some((form) => shape.test(form))) continue;
    if (others.some((field) => forms.some((form) => field.includes(form)))) continue;
    for (const form of forms) if (form.length >= 16) secrets.add(form);
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
