/**
 * Deterministic, realistic S3 server access log lines: the project's own test and benchmark data.
 *
 * Realistic means the hazards of real logs, at realistic rates: unescaped quotes in request-URIs,
 * referrers and user agents, a user agent that imitates the fixed fields after it, quoted fields
 * written as a bare `-`, CloudFront Origin Access Identity requesters (with spaces), unknown
 * trailing fields, older 24–26-field lines, and about 1% plain-HTTP (insecure) requests.
 *
 * Every line comes with the record a correct parser must produce (`expected`), so tests can check
 * the parser against thousands of varied lines.
 *
 * CLI: `tsx bench/generate.ts --out FILE [--lines N | --bytes N] [--seed N]`
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { pathToFileURL } from 'node:url';

export interface GeneratorOptions {
  /** Share of plain-HTTP requests (no cipher suite, no TLS version). Default 0.01. */
  insecureRatio?: number;
  /** Share of lines whose client text holds unescaped quotes or imitates the tail. Default 0.02. */
  hostileRatio?: number;
  /** Share of CloudFront Origin Access Identity requesters. Default 0.01. */
  oaiRatio?: number;
  /** Share of lines with unknown fields appended. Default 0.01. */
  extraFieldsRatio?: number;
  /** Share of older lines that stop after TLS version, access point ARN or aclRequired. Default 0.03. */
  oldFormatRatio?: number;
  /** Time of the first line, ms since the epoch. Default 2026-11-27T00:00:00Z. */
  startTimeMs?: number;
}

export interface GeneratedLine {
  line: string;
  /** What the parser must read: every field by Panther name (`-` as null), plus unknown extras. */
  expected: Record<string, string | number | null | string[]>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const BUCKETS = [
  'cloudtrail-logs-prod',
  'app-assets',
  'data-lake-raw',
  'backups-2026',
  'amzn-s3-demo-bucket1',
  'web.static.example.com',
];
const REQUESTERS = [
  'arn:aws:sts::123456789012:assumed-role/eagle/regionalDeliverySession',
  'arn:aws:iam::123456789012:user/alice',
  'arn:aws:sts::210987654321:assumed-role/DataPipeline/i-0abc123',
  '-',
  'svc:logging.s3.amazonaws.com',
  '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
];
const OAI_REQUESTER = 'arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2EXAMPLEID1';
/** [operation, HTTP method, acts on an object] */
const OPERATIONS: [string, string, boolean][] = [
  ['REST.GET.OBJECT', 'GET', true],
  ['REST.GET.OBJECT', 'GET', true],
  ['REST.PUT.OBJECT', 'PUT', true],
  ['REST.HEAD.OBJECT', 'HEAD', true],
  ['REST.GET.BUCKET', 'GET', false],
  ['REST.GET.ACL', 'GET', false],
  ['REST.COPY.OBJECT', 'PUT', true],
  ['REST.DELETE.OBJECT', 'DELETE', true],
  ['REST.POST.UPLOAD', 'POST', true],
  ['BATCH.DELETE.OBJECT', 'POST', true],
  ['REST.GET.BUCKETPOLICY', 'GET', false],
  ['WEBSITE.GET.OBJECT', 'GET', true],
  ['REST.GET.LOCATION', 'GET', false],
];
const USER_AGENTS = [
  'aws-sdk-java/1.11.714 Linux/4.9.184-0.1.ac.235.83.329.metal1.x86_64 OpenJDK_64-Bit_Server_VM/25.242-b08 java/1.8.0_242 vendor/Oracle_Corporation',
  'aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.amzn.2 prompt/off command/s3.cp',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'S3Console/0.4',
  'Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.11 cfg/retry-mode#legacy Botocore/1.34.0',
  'curl/8.5.0',
];
/** Client text crafted to break parsers that trust the first quote they meet. */
const HOSTILE_USER_AGENTS = [
  'x" SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader s3.amazonaws.com TLSv1.2 - -',
  'curl/8.5.0"',
  'Mozilla/5.0 "quoted" (compatible)',
  '" "',
];
const HOSTILE_REFERRERS = ['https://example.com/?q="a" "b"x', 'https://example.com/"', '-" "x'];
const CIPHERS = ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA', 'TLS_AES_128_GCM_SHA256'];
const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3', 'TLSV1.2'];
const ERRORS = ['NoSuchKey', 'AccessDenied', 'SignatureDoesNotMatch', 'SlowDown'];
const HEX = '0123456789abcdef';
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** mulberry32: tiny, fast, and the same sequence on every machine for a given seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad2 = (n: number) => (n < 10 ? '0' : '') + n;

/** Lines with their expected records. Lazy: a billion lines cost no memory. */
export function* generateAccessLogRecords(
  count: number,
  seed = 42,
  options: GeneratorOptions = {},
): Generator<GeneratedLine> {
  const rnd = prng(seed);
  const chance = (p: number) => rnd() < p;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
  const text = (alphabet: string, length: number) => {
    let s = '';
    for (let i = 0; i < length; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    return s;
  };
  const insecureRatio = options.insecureRatio ?? 0.01;
  const hostileRatio = options.hostileRatio ?? 0.02;
  const oaiRatio = options.oaiRatio ?? 0.01;
  const extraRatio = options.extraFieldsRatio ?? 0.01;
  const oldRatio = options.oldFormatRatio ?? 0.03;
  const owners = Array.from({ length: 4 }, () => text(HEX, 64));
  let time = options.startTimeMs ?? Date.UTC(2026, 10, 27);

  for (let i = 0; i < count; i++) {
    time += Math.floor(rnd() * 40);
    const d = new Date(time - (time % 1000));
    const timeText = `${pad2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000`;
    const bucket = pick(BUCKETS);
    const [operation, method, onObject] = pick(OPERATIONS);
    const hostile = chance(hostileRatio);
    const insecure = chance(insecureRatio);
    const key = onObject
      ? `AWSLogs/123456789012/${text(HEX, 4)}/2026/11/27/file%20${text(HEX, 8)}.json.gz`
      : null;
    const target = onObject
      ? `/${bucket}/${key}${hostile && chance(0.5) ? '"' : ''}`
      : `/${bucket}?${operation.split('.')[2]!.toLowerCase()}`;
    const requestUri = `${method} ${target} HTTP/1.1`;
    const error = chance(0.05) ? pick(ERRORS) : null;
    const status = error === null ? pick([200, 200, 200, 206, 304]) : pick([403, 404, 503]);
    const size = Math.floor(rnd() * 5e6);
    const referrer =
      hostile && chance(0.3)
        ? pick(HOSTILE_REFERRERS)
        : chance(0.3)
          ? `https://console.aws.amazon.com/s3/buckets/${bucket}`
          : null;
    // Both quoted: the parser splits them at the first `" "`, so a hostile referrer (holding one) is
    // only generated with a bare user agent, where the last quote decides.
    const referrerHasSplit = referrer !== null && referrer.includes('" "');
    const bareUserAgent = referrerHasSplit || (onObject && method === 'DELETE' && chance(0.3));
    const userAgent = bareUserAgent ? null : hostile ? pick(HOSTILE_USER_AGENTS) : pick(USER_AGENTS);
    const bareReferrer = referrer === null && chance(0.02);
    const tail: (string | null)[] = [
      chance(0.2) ? text(BASE64, 32) : null,
      text(BASE64, 75) + '=',
      chance(0.05) ? 'SigV2' : 'SigV4',
      insecure ? null : pick(CIPHERS),
      chance(0.1) ? 'QueryString' : 'AuthHeader',
      `${bucket}.s3.us-east-1.amazonaws.com`,
      insecure ? null : pick(TLS_VERSIONS),
      chance(0.05) ? 'arn:aws:s3:us-east-1:123456789012:accesspoint/example-ap' : null,
      chance(0.1) ? 'Yes' : null,
      'us-east-1',
    ];
    const tailLength = chance(oldRatio) ? 7 + Math.floor(rnd() * 3) : tail.length;
    const extras = tailLength === tail.length && chance(extraRatio) ? ['-', 'futurefield'] : [];
    const requester = chance(oaiRatio) ? OAI_REQUESTER : pick(REQUESTERS);
    const fields = [
      pick(owners),
      bucket,
      `[${timeText}]`,
      chance(0.1)
        ? `2001:db8:${text(HEX, 4)}::${text(HEX, 4)}`
        : `${1 + Math.floor(rnd() * 223)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}`,
      requester,
      text(HEX, 16).toUpperCase(),
      operation,
      key ?? '-',
      `"${requestUri}"`,
      String(status),
      error ?? '-',
      error === null ? String(size) : '-',
      onObject ? String(size) : '-',
      String(Math.floor(rnd() * 500)),
      String(Math.floor(rnd() * 100)),
      bareReferrer ? '-' : `"${referrer ?? '-'}"`,
      userAgent === null ? '-' : `"${userAgent}"`,
      ...tail.slice(0, tailLength).map((v) => v ?? '-'),
      ...extras,
    ];
    const expected: GeneratedLine['expected'] = {
      bucketowner: fields[0]!,
      bucket,
      time: `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)}.000000000`,
      remoteip: fields[3]!,
      requester: requester === '-' ? null : requester,
      requestid: fields[5]!,
      operation,
      key,
      requesturi: requestUri,
      httpstatus: status,
      errorcode: error,
      bytessent: error === null ? size : null,
      objectsize: onObject ? size : null,
      totaltime: Number(fields[13]),
      turnaroundtime: Number(fields[14]),
      referrer: referrer === '-' ? null : referrer,
      useragent: userAgent,
      versionid: tail[0]!,
      hostid: tail[1]!,
      signatureversion: tail[2]!,
      ciphersuite: tail[3]!,
      authenticationtype: tail[4]!,
      hostheader: tail[5]!,
      tlsVersion: tail[6]!,
      accesspointarn: tailLength > 7 ? tail[7]! : null,
      aclrequired: tailLength > 8 ? tail[8]! : null,
      sourceregion: tailLength > 9 ? tail[9]! : null,
    };
    if (extras.length > 0) expected.additionalfields = extras;
    yield { line: fields.join(' '), expected };
  }
}

/** `count` generated lines (without line endings). */
export function generateAccessLogLines(count: number, seed = 42, options: GeneratorOptions = {}): string[] {
  return Array.from(generateAccessLogRecords(count, seed, options), (g) => g.line);
}

/**
 * Writes generated lines to `path` until `lines` lines or `bytes` bytes are written, in large
 * writes with backpressure. Resolves with what was written.
 */
export async function writeAccessLogFile(
  path: string,
  limit: { lines?: number; bytes?: number },
  seed = 42,
  options: GeneratorOptions = {},
): Promise<{ lines: number; bytes: number }> {
  const out = createWriteStream(path);
  const maxLines = limit.lines ?? Number.MAX_SAFE_INTEGER;
  const maxBytes = limit.bytes ?? Number.MAX_SAFE_INTEGER;
  let lines = 0;
  let bytes = 0;
  let batch: string[] = [];
  for (const { line } of generateAccessLogRecords(maxLines, seed, options)) {
    batch.push(line);
    lines++;
    bytes += Buffer.byteLength(line) + 1;
    if (batch.length === 10_000 || bytes >= maxBytes) {
      if (!out.write(batch.join('\n') + '\n')) await once(out, 'drain');
      batch = [];
    }
    if (bytes >= maxBytes) break;
  }
  if (batch.length > 0) out.write(batch.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
  return { lines, bytes };
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index < 0 ? undefined : process.argv[index + 1];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = argument('--out');
  if (out === undefined) {
    process.stderr.write('usage: tsx bench/generate.ts --out FILE [--lines N | --bytes N] [--seed N]\n');
    process.exit(2);
  }
  const bytes = argument('--bytes');
  const limit =
    bytes !== undefined ? { bytes: Number(bytes) } : { lines: Number(argument('--lines') ?? 100_000) };
  const written = await writeAccessLogFile(out, limit, Number(argument('--seed') ?? 42));
  process.stderr.write(`wrote ${written.lines} lines, ${written.bytes} bytes to ${out}\n`);
}
