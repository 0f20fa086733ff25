import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { naiveParse } from '../naive-parse.mjs';
import type { BenchCase } from './case.js';

/**
 * The baseline to beat: what a first attempt looks like — node:readline and bench/naive-parse.mjs
 * (one regular expression per line, every field built eagerly). It is also wrong on hostile lines
 * (it trusts quotes), which shows in its error count.
 */
export const naiveReadlineRegex: BenchCase = {
  name: 'naive baseline',
  description: 'node:readline + one regex per line + eager object',
  async run(file) {
    let lines = 0;
    let records = 0;
    let errors = 0;
    const input = createReadStream(file); // Node's default reads, as a first attempt would
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      lines++;
      if (naiveParse(line) === null) {
        errors++;
        continue;
      }
      records++;
    }
    return { lines, bytes: input.bytesRead, note: `${records} records, ${errors} errors` };
  },
};
