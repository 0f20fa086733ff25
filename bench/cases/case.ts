import { listLocalInputs } from '../../src/ingest/local-files.js';

/** One benchmark: reads the whole input file once and says how much it got through. */
export interface BenchCase {
  /** Short name printed in the results table. */
  name: string;
  /** What the case measures, for the reader of the results. */
  description: string;
  run(file: string): Promise<BenchResult>;
}

export interface BenchResult {
  /** Lines handled (the throughput denominator). */
  lines: number;
  /** Input bytes handled. */
  bytes: number;
  /** Anything worth printing beside the figures (records, errors…). */
  note?: string;
}

/**
 * The file's bytes as the CLI reads them (one reused 1 MiB buffer). The naive baselines read with
 * Node's defaults instead, as a first attempt would: readline is about twice as slow over 1 MiB
 * chunks, and a baseline slowed down by our choice would flatter every ratio.
 */
export async function* cliFileChunks(file: string): AsyncIterable<Buffer> {
  for await (const input of listLocalInputs([file])) yield* input.open() as AsyncIterable<Buffer>;
}
