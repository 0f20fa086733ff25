import { describe, expect, it } from 'vitest';
import { buildAlert } from '../../src/alert/build-alert.js';
import { toRuleMatch } from '../../src/detect/match.js';
import { ObjectEvent } from '../../src/detect/object-event.js';
import { RuleErrorLog } from '../../src/detect/rule-errors.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { testRule } from '../helpers/rules.js';

// Panther rules return None or '' from a helper to mean "no value here": the default applies,
// and it is no rule error (the rule-errors alert must not fire for a rule working as written).
const event = new ObjectEvent({ bucket: 'b' }, { logType: 'T' });

async function ruleErrors(metrics: ReturnType<typeof createMetrics>): Promise<number> {
  return (await metrics.ruleErrors.get()).values.reduce((sum, value) => sum + value.value, 0);
}

describe('helpers that return nothing', () => {
  it.each([
    ['null', null],
    ["''", ''],
  ])(
    'a title() returning %s falls back to the display name and the default dedup string',
    async (_name, nothing) => {
      const metrics = createMetrics({ defaultMetrics: false });
      const rule = testRule({ kind: 'code', helpers: { title: () => nothing } });
      const match = toRuleMatch(rule, event, new RuleErrorLog(metrics));
      expect(match.title).toBe('Rule R');
      expect(match.dedupString).toBe('defaultDedupString:R');
      expect(await ruleErrors(metrics)).toBe(0);
    },
  );

  it('a title() returning null falls back to the rule id when there is no display name', () => {
    const rule = testRule({ kind: 'code', displayName: '', helpers: { title: () => null } });
    expect(toRuleMatch(rule, event).title).toBe('R');
  });

  it.each([
    ['null', null],
    ["''", ''],
  ])('a dedup() returning %s falls back to the title', async (_name, nothing) => {
    const metrics = createMetrics({ defaultMetrics: false });
    const rule = testRule({
      kind: 'code',
      helpers: { title: () => 'Public bucket b', dedup: () => nothing },
    });
    const match = toRuleMatch(rule, event, new RuleErrorLog(metrics));
    expect(match.dedupString).toBe('Public bucket b');
    expect(await ruleErrors(metrics)).toBe(0);
  });

  it('a severity() returning null keeps the rule’s severity, with no rule error', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const errors = new RuleErrorLog(metrics);
    const rule = testRule({ kind: 'code', helpers: { severity: () => null } });
    const alert = buildAlert(toRuleMatch(rule, event, errors), { alertId: 'a', windowStartMs: 0 }, errors);
    expect(alert.severity).toBe('LOW');
    expect(await ruleErrors(metrics)).toBe(0);
  });
});
