import type { SendResult, StatusClass } from './sink.js';

/** Enough of a destination's error body to act on, short enough for a log line. */
export const ERROR_TEXT_MAX_CHARS = 300;

export type FetchFn = typeof fetch;

export interface PostRequest {
  url: string;
  body: string;
  headers?: Record<string, string>;
  signal: AbortSignal;
  /** Credentials besides the URL and headers (a routing key in the body) to keep out of errors. */
  secrets?: readonly string[];
}

/**
 * One POST, classified for the dispatcher: 2xx delivered; 429, 408 and 5xx retryable (429 with
 * its Retry-After); other statuses permanent; network errors and timeouts retryable. Error texts
 * never contain the URL, because sink URLs are credentials.
 */
export async function postJson(
  fetchFn: FetchFn,
  request: PostRequest,
): Promise<SendResult & { status?: number }> {
  let response: Response;
  try {
    response = await fetchFn(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 's3-sentinel', ...request.headers },
      body: request.body,
      signal: request.signal,
      // A redirect would send the alert (and any auth header) somewhere the user did not configure.
      redirect: 'manual',
    });
  } catch (err) {
    return requestFailure(err, request.signal);
  }
  const statusClass = statusClassOf(response.status);
  if (response.ok) {
    await response.body?.cancel().catch(() => undefined);
    return { ok: true, statusClass, status: response.status };
  }
  const text = await readErrorText(response);
  return {
    ok: false,
    retryable: isRetryableStatus(response.status),
    statusClass,
    status: response.status,
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    error: `HTTP ${response.status}${text ? `: ${scrubSecrets(text, request).trim().slice(0, ERROR_TEXT_MAX_CHARS)}` : ''}`,
  };
}

/** Secrets shorter than this are not looked for: too likely to be ordinary words. */
const MIN_SECRET_CHARS = 6;
/** Header values are secrets however short, but masking every `1` or `ok` would garble the text. */
const MIN_HEADER_VALUE_CHARS = 3;
/** Prefixes of a secret from this length on are masked too: echoes cut short still reveal most of it. */
const MIN_ECHOED_PREFIX_CHARS = 12;
/** A path segment of lower-case letters up to this long is a word (`services`, `enqueue`), not a token. */
const MAX_WORD_SEGMENT_CHARS = 16;

/**
 * The destination's error text with every credential of the request masked. Receivers echo what
 * they were sent (a framework's "Cannot POST /hooks/<token>" page, a proxy quoting a header), and
 * the text goes to the logs. Masked, as sent and URL-encoded or decoded: the URL, its path, each
 * path segment that looks like a token and each query value, the header values and each word of
 * them, and the request's other secrets.
 */
export function scrubSecrets(
  text: string,
  request: Pick<PostRequest, 'url' | 'headers' | 'secrets'>,
): string {
  const secrets = new Set<string>([request.url, ...(request.secrets ?? [])]);
  // Header values are masked however short (an API key of 5 characters is still a key).
  const headerValues = new Set<string>();
  for (const value of Object.values(request.headers ?? {})) {
    headerValues.add(value);
    secrets.add(value);
    for (const word of value.split(/\s+/)) secrets.add(word); // the token of `Bearer <token>`
    const basic = /^Basic\s+(\S+)$/i.exec(value);
    if (basic) {
      // A receiver may echo the decoded `user:password`.
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      secrets.add(decoded);
      secrets.add(decoded.slice(decoded.indexOf(':') + 1));
    }
  }
  try {
    const url = new URL(request.url);
    secrets.add(url.pathname + url.search);
    const segments = url.pathname.split('/');
    segments.forEach((segment, index) => {
      // The last segment is where a webhook keeps its token, even one that looks like a word.
      const isWord = /^[a-z-]+$/.test(segment) && segment.length <= MAX_WORD_SEGMENT_CHARS;
      if (!isWord || index === segments.length - 1) secrets.add(segment);
    });
    for (const pair of url.search.slice(1).split('&')) secrets.add(pair.slice(pair.indexOf('=') + 1));
    for (const value of url.searchParams.values()) secrets.add(value);
  } catch {
    // Not a URL: the whole string is already in the set.
  }
  for (const secret of [...secrets]) {
    secrets.add(encodeURIComponent(secret));
    secrets.add(safeDecode(secret));
    secrets.add(JSON.stringify(secret).slice(1, -1)); // JSON-escaped
    if (secret.includes('/')) secrets.add(secret.replaceAll('/', '\\/')); // JSON-escaped, as PHP writes
    if (secret.length >= MIN_SECRET_CHARS)
      secrets.add(Buffer.from(secret).toString('base64').replace(/=+$/, ''));
    // A receiver that quotes a key cut short ("routing_key R0UT… not found") echoes a prefix.
    for (let length = MIN_ECHOED_PREFIX_CHARS; length < secret.length - 1; length++)
      secrets.add(secret.slice(0, length));
  }
  let scrubbed = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    const long = secret.length >= MIN_SECRET_CHARS;
    if (long || (headerValues.has(secret) && secret.length >= MIN_HEADER_VALUE_CHARS))
      scrubbed = maskIgnoringCase(scrubbed, secret);
  }
  return scrubbed;
}

/** `text` with every occurrence of `secret`, in any letter case, replaced by `****`. */
function maskIgnoringCase(text: string, secret: string): string {
  const lowerText = text.toLowerCase();
  const lowerSecret = secret.toLowerCase();
  // Lower-casing can change a string's length (a few non-ASCII letters): then match exactly.
  if (lowerText.length !== text.length || lowerSecret.length !== secret.length)
    return text.split(secret).join('****');
  let out = '';
  let from = 0;
  for (let at = lowerText.indexOf(lowerSecret); at >= 0; at = lowerText.indexOf(lowerSecret, from)) {
    out += `${text.slice(from, at)}****`;
    from = at + secret.length;
  }
  return out + text.slice(from);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Bytes of an error response body we read at most. */
const ERROR_BODY_MAX_BYTES = 4096;

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

export function statusClassOf(status: number): StatusClass {
  if (status >= 200 && status < 300) return '2xx';
  if (status >= 300 && status < 400) return '3xx';
  if (status >= 400 && status < 500) return '4xx';
  return '5xx';
}

/** A failed request (no response): timeout, shutdown or a network error, all worth retrying. */
export function requestFailure(err: unknown, signal: AbortSignal): SendResult {
  if (signal.aborted) return abortedResult(signal);
  return { ok: false, retryable: true, statusClass: 'network', error: `network error: ${errorCode(err)}` };
}

/** A send cut short by its signal: the per-request timeout, or shutdown. Worth retrying either way. */
export function abortedResult(signal: AbortSignal): SendResult {
  const timedOut = (signal.reason as Error | undefined)?.name === 'TimeoutError';
  return {
    ok: false,
    retryable: true,
    statusClass: timedOut ? 'timeout' : 'aborted',
    error: timedOut ? 'request timed out' : 'request aborted (shutting down)',
  };
}

/**
 * A bounded description of a network error: undici puts the real reason in `cause.code`
 * (ECONNREFUSED, UND_ERR_SOCKET…). Messages are avoided on purpose: some quote the URL.
 */
function errorCode(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; name?: unknown; message?: unknown } } | undefined)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  // fetch refuses some ports outright (6000, 6665-6669, 10080…): say so, the URL needs changing.
  if (cause?.message === 'bad port') return 'port blocked by fetch (bad port)';
  if (cause && typeof cause.name === 'string') return cause.name;
  return (err as Error | undefined)?.name ?? 'unknown';
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or invalid. */
export function parseRetryAfter(header: string | null, nowMs = Date.now()): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * The start of an error body: enough for Slack's `no_service` or PagerDuty's error list. Read up to
 * a few KiB and cancel the rest — a misbehaving receiver must not make us buffer gigabytes.
 */
async function readErrorText(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ERROR_BODY_MAX_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body that fails midway still gives the status; the text is a courtesy.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, ERROR_BODY_MAX_BYTES).toString('utf8');
}
