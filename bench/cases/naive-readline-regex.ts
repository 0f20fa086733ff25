import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { READ_CHUNK_BYTES, type BenchCase } from './case.js';

/**
 * The baseline to beat: what a first attempt looks like — node:readline, one regular expression
 * per line (the one commonly given for Athena), and an object with every field built eagerly. It
 * is also wrong on hostile lines (it trusts quotes), which shows in its error count.
 */
const ACCESS_LOG =
  /^(\S+) (\S+) \[([\w:/]+\s[+-]\d{4})\] (\S+) (\S+) (\S+) (\S+) (\S+) "([^"]*)" (\S+) (\S+) (\S+) (\S+) (\S+) (\S+) "([^"]*)" "([^"]*)" (\S+) (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)(?: (\S+))?(?: (\S+))?(?: (\S+))?(.*)$/;
const NAMES = [
  'bucketowner',
  'bucket',
  'time',
  'remoteip',
  'requester',
  'requestid',
  'operation',
  'key',
  'requesturi',
  'httpstatus',
  'errorcode',
  'bytessent',
  'objectsize',
  'totaltime',
  'turnaroundtime',
  'referrer',
  'useragent',
  'versionid',
  'hostid',
  'signatureversion',
  'ciphersuite',
  'authenticationtype',
  'hostheader',
  'tlsVersion',
  'accesspointarn',
  'aclrequired',
  'sourceregion',
];
const NUMERIC = new Set(['httpstatus', 'bytessent', 'objectsize', 'totaltime', 'turnaroundtime']);

export const naiveReadlineRegex: BenchCase = {
  name: 'naive baseline',
  description: 'node:readline + one regex per line + eager object',
  async run(file) {
    let lines = 0;
    let records = 0;
    let errors = 0;
    const input = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      lines++;
      const match = ACCESS_LOG.exec(line);
      if (match === null) {
        errors++;
        continue;
      }
      const record: Record<string, unknown> = {};
      for (let i = 0; i < NAMES.length; i++) {
        const value = match[i + 1];
        if (value === undefined || value === '-') continue;
        record[NAMES[i]!] = NUMERIC.has(NAMES[i]!) ? Number(value) : value;
      }
      records++;
    }
    return { lines, bytes: input.bytesRead, note: `${records} records, ${errors} errors` };
  },
};
