#!/usr/bin/env node
/**
 * The whole-process baseline for `s3-sentinel scan`: what a first attempt at "scan a log file for
 * the Insecure rule" looks like, as one standalone script with no dependencies.
 *
 *   node bench/baseline-scan.mjs FILE > alerts.jsonl
 *
 * node:readline, one regular expression per line (the one commonly given for Athena), an object
 * with every field built eagerly, the Insecure rule written the obvious way (`REST.*.OBJECT` as a
 * regex glob, a missing cipher suite or TLS version), and a Map for its 720-minute event-time
 * dedup. Each alert is printed as a JSON line, as `scan` prints its alerts; a summary goes to
 * stderr. It trusts quotes, so hostile lines count as errors instead of records.
 *
 * `npm run bench -- --scan` times it against `node dist/cli.js scan FILE` on the same file.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { naiveParse } from './naive-parse.mjs';

const MONTHS = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};
const OBJECT_OPERATION = /^REST\..*\.OBJECT$/;
const TIME = /^(\d\d)\/(\w{3})\/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/;
const RULE_ID = 'AWS.S3.ServerAccess.Insecure';
const PERIOD_MINUTES = 720;
const PERIOD_MS = PERIOD_MINUTES * 60_000;

function eventTime(text) {
  const m = TIME.exec(text ?? '');
  if (!m) return Date.now();
  const offset = (Number(m[8]) * 60 + Number(m[9])) * 60_000 * (m[7] === '+' ? 1 : -1);
  return (
    Date.UTC(Number(m[3]), MONTHS[m[2]] ?? 0, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - offset
  );
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node bench/baseline-scan.mjs FILE\n');
  process.exit(2);
}

const started = process.hrtime.bigint();
const seen = new Map(); // dedup key → match count in its window
let lines = 0;
let records = 0;
let errors = 0;
let matches = 0;
let alerts = 0;
for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
  lines++;
  const record = naiveParse(line);
  if (record === null) {
    errors++;
    continue;
  }
  records++;
  if (!OBJECT_OPERATION.test(record.operation ?? '') || (record.ciphersuite && record.tlsVersion)) continue;
  matches++;
  const title = `Insecure access to S3 Bucket [${record.bucket ?? '<UNKNOWN_BUCKET>'}]`;
  const windowStart = Math.floor(eventTime(record.time) / PERIOD_MS) * PERIOD_MS;
  const key = `${RULE_ID}:${title}:${windowStart}`;
  const count = (seen.get(key) ?? 0) + 1;
  seen.set(key, count);
  if (count !== 1) continue;
  alerts++;
  process.stdout.write(
    `${JSON.stringify({
      ruleId: RULE_ID,
      title,
      severity: 'LOW',
      dedupString: title,
      dedupPeriodMinutes: PERIOD_MINUTES,
      windowStart: new Date(windowStart).toISOString(),
      logType: 'AWS.S3ServerAccess',
      event: record,
      source: { file, line: lines },
    })}\n`,
  );
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stderr.write(
  `baseline-scan: ${lines} lines, ${records} records, ${errors} parse errors, ${matches} matches, ${alerts} alerts in ${seconds.toFixed(2)} s\n`,
);
