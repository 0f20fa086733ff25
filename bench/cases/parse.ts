import { forEachLine } from '../../src/ingest/decode.js';
import type { LogEvent } from '../../src/logs/event.js';
import { isParseError, parseS3AccessLine } from '../../src/logs/s3-access/index.js';
import { cliFileChunks, type BenchCase } from './case.js';

/** The parse pipeline as `parse`/`scan` run it, with `use` applied to every record. */
async function parseFile(file: string, use: (record: LogEvent) => void) {
  let records = 0;
  let errors = 0;
  const parseTimeMs = Date.now();
  const { bytes, lines } = await forEachLine(cliFileChunks(file), {
    line(text, lineNo) {
      const record = parseS3AccessLine(text, { file, line: lineNo }, parseTimeMs);
      if (isParseError(record)) errors++;
      else {
        records++;
        use(record);
      }
    },
    tooLong() {
      errors++;
    },
  });
  return { lines, bytes, note: `${records} records, ${errors} errors` };
}

export const parse: BenchCase = {
  name: 'parse',
  description: 'split + parseS3AccessLine, no field read',
  run: (file) => parseFile(file, () => {}),
};

export const parseAndMaterialise: BenchCase = {
  name: 'parse + toJSON',
  description: 'split + parse + every field materialised (toJSON)',
  run: (file) =>
    parseFile(file, (record) => {
      record.toJSON();
    }),
};

export const parseAndReadTwoFields: BenchCase = {
  name: 'parse + 2 fields',
  description: "split + parse + get('operation') and get('tlsversion'), as a rule does",
  run: async (file) => {
    let insecure = 0;
    const result = await parseFile(file, (record) => {
      if (record.get('operation') !== null && record.get('tlsversion') === null) insecure++;
    });
    return { ...result, note: `${result.note}, ${insecure} without TLS` };
  },
};
