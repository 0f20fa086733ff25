import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { RuleEngine } from '../../src/detect/engine.js';
import { ObjectEvent } from '../../src/detect/object-event.js';
import { testRule } from '../helpers/rules.js';

const event = (key: string) => new ObjectEvent({ key }, { logType: 'T' });

describe('RuleEngine guard memo', () => {
  const guarded = () =>
    testRule({
      guard: { field: 'key', test: (value) => typeof value === 'string' && value.startsWith('1') },
    });

  it('gives the same answer for a value the second time (from the memo) as the first', () => {
    const engine = new RuleEngine({ rules: [guarded()] });
    for (let round = 0; round < 2; round++) {
      expect(engine.evaluate(event('1-a'))).toHaveLength(1);
      expect(engine.evaluate(event('2-a'))).toHaveLength(0);
    }
  });

  // Field values are pieces of their log line; V8 keeps a line alive as long as a piece of it is.
  it('remembers field values without the lines they came from', () => {
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    const engine = new RuleEngine({ rules: [guarded()] });
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 200; i++) {
      const line = `${i} ${'x'.repeat(64 * 1024)}`;
      expect(engine.evaluate(event(line.slice(0, 40)))).toHaveLength(String(i).startsWith('1') ? 1 : 0);
    }
    gc();
    // 200 memo keys take tens of KB; keeping their lines would take ~13 MB.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(3 * 1024 * 1024);
  });
});
