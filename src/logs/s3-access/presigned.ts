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
/**
 * The shapes of the secrets, decoded: SigV4 (64 hex digits) and SigV4a (an ECDSA signature, about
 * 140), SigV2 (base64 of 20 or 32 bytes), an STS session token (hundreds of base64 characters).
 * Strict on purpose: a value that passes is replaced wherever it appears.
 */
const SIGV4_SIGNATURE = /^[0-9a-f]{64,160}$/i;
const SIGV2_SIGNATURE = /^(?:[A-Za-z0-9+/]{27}|[A-Za-z0-9+/]{43})=$/;
const SESSION_TOKEN = /^[A-Za-z0-9+/]{100,}={0,2}$/;
/** Cheap first test: most strings hold none of the parameter names. */
const MAY_HOLD_SECRET = /signature|security-token/i;
/** Rule-built context can nest; deeper than this it is left as it is (it is still JSON). */
const MAX_DEPTH = 32;
/** The record's fields where a presigned URL's secrets may be: client-written text. */
const URL_FIELDS = ['requesturi', 'referrer'];
/** A record field this long found inside a candidate secret makes it no secret (see collectSecrets). */
const MIN_FIELD_CHARS = 6;
/** Secrets taken from one record: a real URL has two, a crafted one may have thousands. */
const MAX_SECRETS = 16;
/**
 * The alert's parts that may carry a secret: text a rule or the record wrote. Not its id, rule id,
 * severity or window: a client that could name one of those a "secret" would break the alert.
 */
const ALERT_TEXT = new Set([
  'title',
  'dedupString',
  'description',
  'runbook',
  'reference',
  'summary',
  'context',
  'event',
]);

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
  if (!record) {
    const sources: string[] = [];
    forEachString(plain, 0, (text) => sources.push(text));
    const forms = secretForms(sources, []);
    return replaceStrings(plain, 0, (text) => withoutSecrets(withoutUrlSecrets(text), forms));
  }
  const sources = URL_FIELDS.map((field) => record[field]).filter((text) => typeof text === 'string');
  const others = Object.entries(record)
    .filter(([field, text]) => !URL_FIELDS.includes(field) && typeof text === 'string')
    .map(([, text]) => text as string);
  const forms = secretForms(sources, others);
  const alert = plain as Record<string, unknown>;
  let changed: Record<string, unknown> | undefined;
  for (const [part, partValue] of Object.entries(alert)) {
    if (!ALERT_TEXT.has(part)) continue;
    const replaced = replaceStrings(partValue, 0, (text) => withoutSecrets(withoutUrlSecrets(text), forms));
    if (replaced !== partValue) (changed ??= { ...alert })[part] = replaced;
  }
  return (changed ?? plain) as T;
}

/** The text with the value after each signature or token parameter replaced. */
function withoutUrlSecrets(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  return text.replace(URL_SECRET, (_match, lead: string, secret: string) =>
    secret === '' ? lead : `${lead}${REDACTED}`,
  );
}

/**
 * Every form of each signature or token the presigned URLs in `sources` carry, longest first (an
 * encoded form contains a shorter one's position). A value counts only with a secret's shape, and
 * not when any of its forms holds a record field outside the URLs (`others`) or lies inside one:
 * the URLs are client text, and a client must not be able to blank its own IP, ARN, bucket or key
 * out of an alert by writing them there as a "signature".
 */
function secretForms(sources: readonly string[], others: readonly string[]): string[] {
  const secrets = new Set<string>();
  const fields = others.filter((field) => field.length >= MIN_FIELD_CHARS);
  let found = 0;
  for (const text of sources) {
    if (!MAY_HOLD_SECRET.test(text) || !HAS_CREDENTIAL.test(text)) continue;
    for (const [, lead = '', raw = ''] of text.matchAll(URL_SECRET)) {
      if (found >= MAX_SECRETS) break;
      const shape = /security-token/i.test(lead)
        ? SESSION_TOKEN
        : /x-amz-signature/i.test(lead)
          ? SIGV4_SIGNATURE
          : SIGV2_SIGNATURE;
      const decoded = safeDecode(safeDecode(raw));
      if (!shape.test(decoded)) continue;
      const forms = formsOf(raw, decoded);
      const mixesWithRecord = forms.some(
        (form) =>
          others.some((field) => field.includes(form)) || fields.some((field) => form.includes(field)),
      );
      if (mixesWithRecord) continue;
      found++;
      for (const form of forms) secrets.add(form);
    }
  }
  return [...secrets].sort((a, b) => b.length - a.length);
}

/**
 * A value as a code rule may have it: as logged, decoded once or twice (also with `+` read as a
 * space, as URLSearchParams does), encoded, and a base64 value without its padding (`split('=')`).
 */
function formsOf(raw: string, decoded: string): string[] {
  const forms = new Set<string>([raw, safeDecode(raw), decoded, encodeURIComponent(decoded)]);
  if (raw.includes('+')) forms.add(safeDecode(raw.replaceAll('+', ' ')));
  const unpadded = decoded.replace(/=+$/, '');
  if (unpadded !== decoded) forms.add(unpadded);
  return [...forms].filter((form) => form.length >= 16);
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
