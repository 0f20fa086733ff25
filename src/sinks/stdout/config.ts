import { z } from 'zod';
import { sinkBaseShape } from '../common-config.js';

/** `{ type: stdout }`: JSON lines on standard output. */
export const StdoutSinkSchema = z.strictObject({
  type: z.literal('stdout'),
  ...sinkBaseShape,
});
export type StdoutSinkConfig = z.infer<typeof StdoutSinkSchema>;
