import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadRules } from '../../src/detect/loader.js';
import { scan } from '../../src/pipeline/scan.js';
import { naiveParse } from '../naive-parse.mjs';
import type { BenchCase } from './case.js';

/**
 * The built-in rules, loaded once per process: loading is start-up work (YAML, and the code rule's
 * TypeScript through tsx, ~0.3 s), not per-line work, so it stays out of the timed runs after the
 * warm-up. The whole-process comparison (`--scan`, bench/scan.ts) is where start-up counts.
 */
let builtinRules: ReturnType<typeof loadRules> | undefined;

/** What `s3-sentinel scan` does per line: split, parse, every enabled built-in rule, event-time dedup. */
export const parseRulesDedup: BenchCase = {
  name: 'parse+rules+dedup',
  description: 'scan core: split + parse + all enabled built-in rules + memory dedup, alerts to a null sink',
  async run(file) {
    const { rules } = await (builtinRules ??= loadRules());
    let alerts = 0;
    const counts = await scan({ paths: [file], rules, emit: () => void alerts++ });
    return {
      lines: counts.lines,
      bytes: counts.bytes,
      note: `${rules.filter((rule) => rule.enabled).length} rules, ${counts.matches} matches, ${alerts} alerts`,
    };
  },
};

// The naive baseline's parse (readline + bench/naive-parse.mjs), then only the Insecure rule
// written the obvious way, with a Map for its 720-minute dedup.
const MONTHS: Record<string, string> = {
  Jan: '01',
  Feb: '02',
  Mar: '03',
  Apr: '04',
  May: '05',
  Jun: '06',
  Jul: '07',
  Aug: '08',
  Sep: '09',
  Oct: '10',
  Nov: '11',
  Dec: '12',
};
const PERIOD_MS = 720 * 60_000;

export const naiveInsecureBaseline: BenchCase = {
  name: 'naive rules baseline',
  description: 'readline + regex + eager object + the Insecure rule only (regex glob) + Map dedup',
  async run(file) {
    let lines = 0;
    let alerts = 0;
    const seen = new Set<string>();
    const input = createReadStream(file); // Node's default reads, as a first attempt would
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      lines++;
      const record = naiveParse(line);
      if (record === null) continue;
      if (
        !/^REST\..*\.OBJECT$/.test(String(record.operation ?? '')) ||
        (record.ciphersuite && record.tlsVersion)
      )
        continue;
      const [, d, mon, y, hms] = /^(\d\d)\/(\w{3})\/(\d{4}):(\S+)/.exec(String(record.time ?? '')) ?? [];
      const time = Date.parse(`${y}-${MONTHS[mon ?? ''] ?? '01'}-${d}T${hms}Z`);
      const key = `${record.bucket}|${Math.floor(time / PERIOD_MS)}`;
      if (!seen.has(key)) {
        seen.add(key);
        alerts++;
      }
    }
    return { lines, bytes: input.bytesRead, note: `${alerts} alerts` };
  },
};
