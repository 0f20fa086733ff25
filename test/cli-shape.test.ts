import { describe, expect, it } from 'vitest';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../src/cli/exit-codes.js';
import { SEVERITIES, severityRank } from '../src/alert/alert.js';

describe('contracts', () => {
  it('uses the exit codes of the architecture page', () => {
    expect([EXIT_OK, EXIT_FAILED, EXIT_USAGE]).toEqual([0, 1, 2]);
  });
  it('orders severities from INFO to CRITICAL', () => {
    expect(SEVERITIES.map(severityRank)).toEqual([0, 1, 2, 3, 4]);
    expect(severityRank('HIGH')).toBeGreaterThan(severityRank('LOW'));
  });
});
