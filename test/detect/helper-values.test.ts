import { describe, expect, it } from 'vitest';
import { buildAlert } from '../../src/alert/build-alert.js';
import { toRuleMatch, MAX_TITLE_LENGTH } from '../../src/detect/match.js';
import { ObjectEvent } from '../../src/detect/object-event.js';
import { RuleErrorLog } from '../../src/detect/rule-errors.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { testRule } from '../helpers/rules.js';

// What a code rule's helpers return is anything JavaScript allows. Whatever it is, it must cost
// that helper its value (a counted rule error), never the event or the log object being read.
const circular: Record<string, unknown> = { name: 'loop' };
circular.self = circular;
const event = new ObjectEvent({ bucket: 'b' }, { logType: 'T' });

async function ruleErrors(metrics: ReturnType<typeof createMetrics>): Promise<number> {
  return (await metrics.ruleErrors.get()).values.reduce((sum, value) => sum + value.value, 0);
}

describe('helper values that cannot be written out', () => {
  it('fall back to the defaults for title and dedup, counted as rule errors', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const errors = new RuleErrorLog(metrics);
    const rule = testRule({
      kind: 'code',
      helpers: { title: () => circular, dedup: () => ({ big: 10n }) },
    });
    const match = toRuleMatch(rule, event, errors);
    expect(match.title).toBe('Rule R');
    expect(match.dedupString).toBe('defaultDedupString:R');
    expect(await ruleErrors(metrics)).toBe(2);
  });

  it('count a thrown value that has no string form', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const errors = new RuleErrorLog(metrics);
    const rule = testRule({
      kind: 'code',
      helpers: {
        title: () => {
          throw Object.create(null) as Error;
        },
      },
    });
    expect(toRuleMatch(rule, event, errors).title).toBe('Rule R');
    expect(await ruleErrors(metrics)).toBe(1);
  });

  it('leave a circular alertContext out, so the alert can still be delivered', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const errors = new RuleErrorLog(metrics);
    const rule = testRule({ helpers: { alertContext: () => circular, severity: () => 10n } });
    const alert = buildAlert(toRuleMatch(rule, event, errors), { alertId: 'a', windowStartMs: 0 }, errors);
    expect(() => JSON.stringify(alert)).not.toThrow();
    expect(alert.severity).toBe('LOW'); // the rule's own
    expect(alert.context.self).toBeUndefined();
    expect(await ruleErrors(metrics)).toBe(2);
  });

  it('cut a title to 1000 characters', () => {
    const rule = testRule({ kind: 'code', helpers: { title: () => 't'.repeat(50_000) } });
    expect(toRuleMatch(rule, event).title).toHaveLength(MAX_TITLE_LENGTH);
  });
});
