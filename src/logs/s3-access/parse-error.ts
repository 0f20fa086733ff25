import type { SourceRef } from '../event.js';

/**
 * Why a line is not a record. A plain result object rather than a thrown exception: bad lines are
 * expected input, the parser runs millions of times, and callers count and report these inline.
 */
export class ParseError {
  constructor(
    readonly message: string,
    readonly source?: SourceRef,
  ) {}
}

export function isParseError(x: unknown): x is ParseError {
  return x instanceof ParseError;
}
