import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ABSOLUTE_CONDITIONS,
  CONDITIONS,
  LIST_COMPREHENSIONS,
  OUR_CONDITIONS,
} from '../../src/detect/simple/conditions.js';

// docs/rules.md is where rule authors learn which conditions exist and which are ours (a rule using
// one of ours will not load in Panther), so a condition added to the compiler must be added there.
const rulesDoc = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8');
const ourAdditions = rulesDoc.slice(
  rulesDoc.indexOf('**Our additions**'),
  rulesDoc.indexOf('## Site settings'),
);

describe('docs/rules.md', () => {
  it.each([...Object.keys(CONDITIONS), ...Object.keys(ABSOLUTE_CONDITIONS), ...LIST_COMPREHENSIONS])(
    'names the condition %s',
    (name) => {
      // `IsGreaterThanOrEqual(s)` names both spellings.
      const spellings = ['`' + name + '`', '`' + name.replace(/s$/, '') + '(s)`'];
      expect(spellings.some((spelling) => rulesDoc.includes(spelling))).toBe(true);
    },
  );

  it.each(OUR_CONDITIONS)('lists %s among our additions', (name) => {
    expect(ourAdditions).toContain('`' + name + '`');
  });
});
