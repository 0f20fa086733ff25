#!/usr/bin/env node
/**
 * The floor under `s3-sentinel scan`: the built CLI's own reader and line splitter over FILE, with
 * no parsing, rules or output. `npm run bench -- --scan` times it beside `scan` and the baseline
 * script, so the table shows how much of a whole-process run any parser could still save.
 *
 *   node bench/floor-split.mjs FILE      (needs `npm run build`)
 */
import { forEachLine } from '../dist/ingest/decode.js';
import { listLocalInputs } from '../dist/ingest/local-files.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node bench/floor-split.mjs FILE\n');
  process.exit(2);
}
let lines = 0;
let units = 0;
const sink = {
  line(text) {
    lines++;
    units += text.length; // touch each line, so that no work can be skipped
  },
  tooLong() {
    lines++;
  },
};
for await (const input of listLocalInputs([file])) await forEachLine(input.open(), sink);
process.stderr.write(`floor-split: ${lines} lines, ${units} characters\n`);
