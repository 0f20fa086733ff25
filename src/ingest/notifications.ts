/**
 * Turns the body of one SQS message into the S3 objects it announces.
 *
 * Four envelopes reach the queue (see docs/ingestion.md): S3 → SQS direct (`{"Records":[…]}`),
 * S3 → SNS → SQS with the SNS envelope (`{"Type":"Notification","Message":"<S3 JSON>"}`) or with
 * raw delivery (the S3 JSON itself), and S3 → EventBridge → SQS (`{"source":"aws.s3",
 * "detail-type":"Object Created","detail":{…}}`). Parsing is pure: no I/O, no clock, no logging;
 * the poller counts and logs what this returns.
 */

/** One S3 object a notification announces. */
export interface ObjectRef {
  bucket: string;
  /** Decoded key: the form encoding of S3 event notifications (`+` for space, `%xx`) is undone. */
  key: string;
  size?: number;
  /** When S3 created the object (the notification's event time), ms since the epoch. */
  eventTimeMs?: number;
  /** The bucket's region, when the notification names it. */
  region?: string;
  /**
   * The announced version (a versioned bucket): read exactly that one, so that a log object
   * overwritten or deleted before it is read still shows what it recorded.
   */
  versionId?: string;
  /** The announced content's ETag: on an unversioned bucket, a read of anything else fails. */
  etag?: string;
}

/** Why a record, or a whole message, was skipped without error. */
export type IgnoredReason =
  'test-event' | 'not-object-created' | 'key-prefix-filtered' | 'bucket-ignored' | 'malformed-record';

/** Why a message could not be used at all. */
export type PoisonReason = 'not-json' | 'unknown-envelope' | 'malformed-record' | 'sns-subscription';

export type NotificationParseResult =
  /** At least one object to read; `ignored` lists the records of the same message that were skipped. */
  | { kind: 'objects'; refs: ObjectRef[]; ignored: IgnoredReason[]; envelope: EnvelopeKind }
  /** Nothing to read, for reasons that are normal (test event, filtered keys, deletions). */
  | { kind: 'ignored'; ignored: IgnoredReason[]; envelope: EnvelopeKind }
  /** Nothing to read because the message is not a notification we understand. */
  | { kind: 'poison'; reason: PoisonReason; detail: string };

export type EnvelopeKind = 's3' | 'sns' | 'eventbridge';

export interface NotificationFilter {
  /** Only keys starting with one of these prefixes are read; empty or absent means every key. */
  keyPrefixes?: readonly string[];
  /** Buckets whose notifications are skipped (for example the daemon's own log bucket). */
  ignoreBuckets?: readonly string[];
}

/**
 * Undoes the form encoding S3 applies to keys in event notifications: `+` is a space, everything
 * else is percent-encoded. Decoding `+` first matters: a literal `+` in a key arrives as `%2B`.
 * A malformed escape (not produced by S3, but possible in a hand-made message) is kept as is.
 */
export function decodeNotificationKey(key: string): string {
  const spaced = key.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/**
 * The text without a leading byte-order mark. AWS sends none, but a notification sent again by
 * hand (`aws sqs send-message --message-body file://x.json` from an editor that writes one) or by a
 * forwarder may carry it, and JSON.parse refuses it: the object would be dropped as poison.
 */
function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Parses one SQS message body. Never throws. */
export function parseNotification(body: string, filter: NotificationFilter = {}): NotificationParseResult {
  let json: unknown;
  try {
    json = JSON.parse(withoutBom(body));
  } catch {
    return { kind: 'poison', reason: 'not-json', detail: `body is not JSON: ${preview(body)}` };
  }
  try {
    return parseEnvelope(json, filter, 0);
  } catch (err) {
    // Not expected: kept so that no body, however strange, can escape as an exception and leave
    // its message neither counted nor deleted.
    return {
      kind: 'poison',
      reason: 'unknown-envelope',
      detail: `notification could not be read (${err instanceof Error ? err.name : typeof err})`,
    };
  }
}

// SNS wraps once; a Message that is itself an SNS envelope is not something AWS produces.
const MAX_ENVELOPE_DEPTH = 1;

/** SubscribeURLs and topic ARNs are a few hundred characters; a longer one is cut. */
const MAX_SUBSCRIBE_URL = 2048;
/** Key names of an unknown envelope shown in its log line; a longer name is cut. */
const MAX_KEY_SHOWN = 64;

function parseEnvelope(json: unknown, filter: NotificationFilter, depth: number): NotificationParseResult {
  if (!isObject(json)) {
    return {
      kind: 'poison',
      reason: 'unknown-envelope',
      detail: `body is JSON but not an object: ${preview(json)}`,
    };
  }
  if (json.Type === 'Notification' && typeof json.Message === 'string' && depth < MAX_ENVELOPE_DEPTH) {
    return parseSnsMessage(json.Message, filter, depth);
  }
  if (json.Type === 'SubscriptionConfirmation' || json.Type === 'UnsubscribeConfirmation') {
    // A topic in another account (a logging account's bucket) subscribes the queue this way: until
    // someone opens the SubscribeURL no notification arrives, so the log line must carry it.
    const url = typeof json.SubscribeURL === 'string' ? json.SubscribeURL.slice(0, MAX_SUBSCRIBE_URL) : '?';
    const topic = typeof json.TopicArn === 'string' ? json.TopicArn.slice(0, MAX_SUBSCRIBE_URL) : '?';
    return {
      kind: 'poison',
      reason: 'sns-subscription',
      detail:
        json.Type === 'SubscriptionConfirmation'
          ? `SNS subscription confirmation for topic ${topic}: no notification arrives until it is confirmed; open ${url} (or run aws sns confirm-subscription) to confirm it`
          : `SNS unsubscribe confirmation for topic ${topic}; to subscribe again open ${url}`,
    };
  }
  if (json.Event === 's3:TestEvent') {
    return { kind: 'ignored', ignored: ['test-event'], envelope: depth > 0 ? 'sns' : 's3' };
  }
  if (Array.isArray(json.Records)) {
    return parseS3Records(json.Records, filter, depth > 0 ? 'sns' : 's3');
  }
  if (json.source === 'aws.s3' && isObject(json.detail)) {
    return parseEventBridge(json, filter);
  }
  return {
    kind: 'poison',
    reason: 'unknown-envelope',
    detail: `not an S3, SNS or EventBridge notification (keys: ${Object.keys(json)
      .slice(0, 8)
      .map((key) => (key.length > MAX_KEY_SHOWN ? `${key.slice(0, MAX_KEY_SHOWN)}…` : key))
      .join(',')})`,
  };
}

function parseSnsMessage(
  message: string,
  filter: NotificationFilter,
  depth: number,
): NotificationParseResult {
  let inner: unknown;
  try {
    inner = JSON.parse(withoutBom(message));
  } catch {
    return { kind: 'poison', reason: 'not-json', detail: `SNS Message is not JSON: ${preview(message)}` };
  }
  const result = parseEnvelope(inner, filter, depth + 1);
  return result.kind === 'poison' ? result : { ...result, envelope: 'sns' };
}

function parseS3Records(
  records: unknown[],
  filter: NotificationFilter,
  envelope: EnvelopeKind,
): NotificationParseResult {
  const refs: ObjectRef[] = [];
  const ignored: IgnoredReason[] = [];
  for (const record of records) {
    const outcome = s3RecordToRef(record);
    if (typeof outcome === 'string') ignored.push(outcome);
    else keepOrFilter(outcome, filter, refs, ignored);
  }
  return finish(refs, ignored, envelope, records.length);
}

function s3RecordToRef(record: unknown): ObjectRef | IgnoredReason {
  if (!isObject(record) || !isObject(record.s3)) return 'malformed-record';
  const eventName = typeof record.eventName === 'string' ? record.eventName : '';
  if (!eventName.startsWith('ObjectCreated:')) return 'not-object-created';
  const bucket = isObject(record.s3.bucket) ? record.s3.bucket.name : undefined;
  const object = record.s3.object;
  if (typeof bucket !== 'string' || bucket === '' || !isObject(object) || typeof object.key !== 'string') {
    return 'malformed-record';
  }
  return withOptional({
    bucket,
    key: decodeNotificationKey(object.key),
    size: typeof object.size === 'number' ? object.size : undefined,
    eventTimeMs: parseTime(record.eventTime),
    region: regionOf(record.awsRegion),
    versionId: versionOf(object.versionId),
    etag: etagOf(object.eTag),
  });
}

/**
 * A version id as S3 writes them (up to 1024 URL-safe characters), or undefined: absent or `null`
 * on an unversioned bucket, and the literal `null` (a suspended bucket's version) reads as the
 * latest object, which If-Match on the ETag then pins.
 */
function versionOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== 'null' && VERSION_ID.test(value) ? value : undefined;
}

const VERSION_ID = /^[A-Za-z0-9._+/=-]{1,1024}$/;

/** An ETag (hex, `-N` for multipart; quoted or not), quoted as If-Match wants it, or undefined. */
function etagOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const bare = value.replace(/^"(.*)"$/, '$1');
  return /^[0-9A-Fa-f]{1,64}(-\d{1,5})?$/.test(bare) ? `"${bare}"` : undefined;
}

/**
 * An AWS region code (`us-east-1`, `us-gov-west-1`, `ap-southeast-10`), or undefined for anything
 * else: the reader keeps an S3 client per region, and a producer that writes junk regions must
 * not be able to make it build clients without end. The reader's default region is used instead.
 */
function regionOf(value: unknown): string | undefined {
  return typeof value === 'string' && REGION.test(value) ? value : undefined;
}

const REGION = /^[a-z]{2,}(?:-[a-z]+)+-\d{1,2}$/;

// EventBridge detail types that announce a new object; see the S3 "Using EventBridge" page.
const EVENTBRIDGE_CREATED = 'Object Created';

function parseEventBridge(
  event: Record<string, unknown>,
  filter: NotificationFilter,
): NotificationParseResult {
  if (event['detail-type'] !== EVENTBRIDGE_CREATED) {
    return { kind: 'ignored', ignored: ['not-object-created'], envelope: 'eventbridge' };
  }
  const detail = event.detail as Record<string, unknown>;
  const bucket = isObject(detail.bucket) ? detail.bucket.name : undefined;
  const object = detail.object;
  if (typeof bucket !== 'string' || bucket === '' || !isObject(object) || typeof object.key !== 'string') {
    return {
      kind: 'poison',
      reason: 'malformed-record',
      detail: 'EventBridge detail has no bucket.name or object.key',
    };
  }
  // EventBridge carries the key as S3 stores it: no form encoding to undo.
  const ref = withOptional({
    bucket,
    key: object.key,
    size: typeof object.size === 'number' ? object.size : undefined,
    eventTimeMs: parseTime(event.time),
    region: regionOf(event.region),
    versionId: versionOf(object['version-id']),
    etag: etagOf(object.etag),
  });
  const refs: ObjectRef[] = [];
  const ignored: IgnoredReason[] = [];
  keepOrFilter(ref, filter, refs, ignored);
  return finish(refs, ignored, 'eventbridge', 1);
}

function keepOrFilter(
  ref: ObjectRef,
  filter: NotificationFilter,
  refs: ObjectRef[],
  ignored: IgnoredReason[],
): void {
  if (filter.ignoreBuckets?.includes(ref.bucket)) ignored.push('bucket-ignored');
  else if (filter.keyPrefixes?.length && !filter.keyPrefixes.some((p) => ref.key.startsWith(p))) {
    ignored.push('key-prefix-filtered');
  } else if (!refs.some((kept) => sameObject(kept, ref))) refs.push(ref); // listed twice: read once
}

function sameObject(a: ObjectRef, b: ObjectRef): boolean {
  return a.bucket === b.bucket && a.key === b.key && a.versionId === b.versionId && a.etag === b.etag;
}

function finish(
  refs: ObjectRef[],
  ignored: IgnoredReason[],
  envelope: EnvelopeKind,
  recordCount: number,
): NotificationParseResult {
  if (refs.length > 0) return { kind: 'objects', refs, ignored, envelope };
  // A message whose every record is malformed is not a notification at all.
  if (recordCount > 0 && ignored.every((r) => r === 'malformed-record')) {
    return {
      kind: 'poison',
      reason: 'malformed-record',
      detail: `${recordCount} record(s), none with a bucket and key`,
    };
  }
  if (recordCount === 0) {
    return { kind: 'poison', reason: 'malformed-record', detail: 'Records is empty' };
  }
  return { kind: 'ignored', ignored, envelope };
}

function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Drops `undefined` fields so refs compare and serialise cleanly. */
function withOptional(ref: { [K in keyof ObjectRef]: ObjectRef[K] | undefined }): ObjectRef {
  const out: ObjectRef = { bucket: ref.bucket as string, key: ref.key as string };
  if (ref.size !== undefined) out.size = ref.size;
  if (ref.eventTimeMs !== undefined) out.eventTimeMs = ref.eventTimeMs;
  if (ref.region !== undefined) out.region = ref.region;
  if (ref.versionId !== undefined) out.versionId = ref.versionId;
  if (ref.etag !== undefined) out.etag = ref.etag;
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const PREVIEW_CHARS = 80;

function preview(value: unknown): string {
  // Arrays are described, not written out: a hostile body nested 100,000 deep would overflow the
  // stack of JSON.stringify (JSON.parse takes it).
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  const text = typeof value === 'string' ? value : String(value);
  return text.length > PREVIEW_CHARS
    ? `${JSON.stringify(text.slice(0, PREVIEW_CHARS))}…`
    : JSON.stringify(text);
}
