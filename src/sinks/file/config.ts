import { z } from 'zod';
import { sinkBaseShape } from '../common-config.js';

/** `{ type: file, path }`: JSON lines appended to a file, fsynced on shutdown. */
export const FileSinkSchema = z.strictObject({
  type: z.literal('file'),
  ...sinkBaseShape,
  path: z.string().min(1),
});
export type FileSinkConfig = z.infer<typeof FileSinkSchema>;
