import { describe, expect, it } from 'vitest';
import type { RuleTest } from '../../src/detect/rule.js';
import { runRuleTests } from '../../src/detect/rule-tests.js';
import { testRule } from '../helpers/rules.js';

const test = (expectedResult: boolean): RuleTest => ({
  name: `${expectedResult}`,
  expectedResult,
  log: {},
  mocks: [],
});

describe('--minimum-tests', () => {
  // panther_analysis_tool reports only the missing coverage, then looks no further.
  it('reports too few tests alone, as panther_analysis_tool does', () => {
    expect(runRuleTests(testRule({ tests: [] }), { minimumTests: 2 }).problems).toEqual([
      'has 0 tests, needs at least 2',
    ]);
  });

  it('with N ≥ 2 and enough tests, needs a true and a false one', () => {
    const alwaysTrue = testRule({ rest: () => true, tests: [test(true), test(true)] });
    expect(runRuleTests(alwaysTrue, { minimumTests: 2 }).problems).toEqual([
      'needs a test with ExpectedResult: false',
    ]);
    const both = testRule({ rest: () => true, tests: [test(true), test(false)] });
    expect(runRuleTests(both, { minimumTests: 2 }).problems).toEqual([]);
    expect(runRuleTests(both, { minimumTests: 1 }).problems).toEqual([]);
  });
});
