import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ConfigSchema } from '../../src/config/schema.js';
import { SINK_SCHEMAS } from '../../src/sinks/config.js';
import { sinkBaseShape } from '../../src/sinks/common-config.js';

/** Every key path a schema accepts: `sqs.queueUrl`, `dedup.dynamodb.tableName`, … */
function keyPaths(schema: z.core.$ZodType, prefix: string): string[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case 'object': {
      const shape = def.shape as Record<string, z.core.$ZodType>;
      return Object.entries(shape).flatMap(([key, value]) => {
        const path = prefix ? `${prefix}.${key}` : key;
        return [path, ...keyPaths(value, path)];
      });
    }
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
    case 'readonly':
      return keyPaths(def.innerType as z.core.$ZodType, prefix);
    case 'pipe': {
      const input = def.in as z.core.$ZodType;
      return keyPaths(input._zod.def.type === 'transform' ? (def.out as z.core.$ZodType) : input, prefix);
    }
    default:
      return [];
  }
}

describe('docs/configuration.md', () => {
  it('documents every configuration key', async () => {
    const doc = await readFile('docs/configuration.md', 'utf8');
    const { sinks: _sinks, ...sections } = ConfigSchema.shape;
    const expected = [
      ...Object.entries(sections).flatMap(([name, schema]) => [name, ...keyPaths(schema, name)]),
      ...Object.keys(sinkBaseShape).flatMap((key) => [
        `sinks[].${key}`,
        ...keyPaths(sinkBaseShape[key as keyof typeof sinkBaseShape], `sinks[].${key}`),
      ]),
      ...SINK_SCHEMAS.flatMap((schema) => {
        const type = schema.shape.type.value;
        return Object.keys(schema.shape)
          .filter((key) => key !== 'type' && !(key in sinkBaseShape))
          .map((key) => `${type}.${key}`);
      }),
    ];
    expect(expected.length).toBeGreaterThan(40);
    const missing = expected.filter((path) => !doc.includes(`\`${path}\``));
    expect(missing).toEqual([]);
  });
});
