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

/** Large reads as the CLI does them. */
export const READ_CHUNK_BYTES = 1024 * 1024;
