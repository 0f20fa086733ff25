import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Deduplicator } from '../../src/alert/dedup.js';
import { MemoryDedupStore } from '../../src/alert/memory-dedup-store.js';
import { RuleEngine } from '../../src/detect/engine.js';
import { LinePipeline } from '../../src/pipeline/line-pipeline.js';
import { forEachLine } from '../../src/ingest/decode.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { accessLine } from '../cli/scan-fixtures.js';
import { metricValue } from '../helpers/metrics.js';

// docs/operations.md alerts on s3_sentinel_parse_errors_total: a log format change (or a bucket
// writing something else) shows there first, so every line the daemon cannot read must count.
describe('s3_sentinel_parse_errors_total', () => {
  it('counts lines that do not parse and lines too long to read, not good ones', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const pipeline = new LinePipeline({
      engine: new RuleEngine({ rules: [], metrics }),
      dedup: new Deduplicator({ store: new MemoryDedupStore() }),
      emit: () => {},
      metrics,
    });
    const good = accessLine({
      ms: Date.UTC(2024, 2, 10),
      bucket: 'b',
      operation: 'REST.GET.OBJECT',
      insecure: false,
    });
    const text = [good, 'this is not an access log line', 'x'.repeat(5_000), good, 'neither is this'].join(
      '\n',
    );

    await forEachLine(
      Readable.from([Buffer.from(`${text}\n`)]),
      pipeline.lineHandlerFor((line) => ({ file: 'access.log', line })),
      { maxLineBytes: 1_000 },
    );

    expect(pipeline.counts).toMatchObject({ records: 2, parseErrors: 2, tooLong: 1 });
    expect(await metricValue(metrics.parseErrors)).toBe(3);
  });
});
