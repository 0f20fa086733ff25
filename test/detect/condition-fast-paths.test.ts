/**
 * Conditions with a fast path must agree with their plain definition. `IsIn` looks numbers up as
 * numbers; it must hold exactly when the number's text is one of the Values' texts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONDITIONS } from '../../src/detect/simple/conditions.js';

const asText = (value: unknown) =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : JSON.stringify(value);

const value = fc.oneof(
  fc.integer({ min: -5, max: 600 }),
  fc.constantFrom(403, 405, 0, -0, 1.5, 1e21, NaN, Infinity),
  fc.constantFrom('403', '405', '0', '-0', '1.5', '1e21', '0403', ' 403', 'NaN', 'Infinity', 'x'),
  fc.boolean(),
);

describe('IsIn on numbers', () => {
  it('holds exactly when String(actual) is one of the Values as text', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 6 }), value, (values, actual) => {
        const test = CONDITIONS.IsIn!.build(values);
        const texts = new Set(values.map(asText));
        expect(test(actual)).toBe(texts.has(String(actual)));
        expect(CONDITIONS.IsNotIn!.build(values)(actual)).toBe(!texts.has(String(actual)));
      }),
      { numRuns: 3000 },
    );
  });

  it('matches 403 given as a number or a string, and not 4030', () => {
    for (const values of [
      [403, 405],
      ['403', '405'],
    ]) {
      const test = CONDITIONS.IsIn!.build(values);
      expect([test(403), test('403'), test(4030), test('0403'), test(null)]).toEqual([
        true,
        true,
        false,
        false,
        false,
      ]);
    }
  });
});
