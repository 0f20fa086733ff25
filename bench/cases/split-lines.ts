import { LineSplitter } from '../../src/ingest/line-splitter.js';
import { cliFileChunks, type BenchCase } from './case.js';

export const splitLines: BenchCase = {
  name: 'split lines',
  description: 'file read + LineSplitter, lines only counted',
  async run(file) {
    let lines = 0;
    let chars = 0; // read every line's length so the work cannot be optimised away
    const splitter = new LineSplitter({
      line(text) {
        lines++;
        chars += text.length;
      },
      tooLong() {},
    });
    for await (const chunk of cliFileChunks(file)) splitter.push(chunk);
    splitter.end();
    return { lines, bytes: splitter.bytes, note: `${chars} chars` };
  },
};
