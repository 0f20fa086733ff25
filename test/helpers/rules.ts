import type { CompiledRule } from '../../src/detect/rule.js';

/**
 * A compiled rule for dedup and alert tests: matches everything, titles alerts by bucket, and
 * takes any field from `overrides`. Its id names its display name and file unless overridden.
 */
export function testRule(overrides: Partial<CompiledRule> = {}): CompiledRule {
  const id = overrides.id ?? 'R';
  return {
    id,
    displayName: `Rule ${id}`,
    enabled: true,
    logTypes: ['T'],
    severity: 'LOW',
    dedupPeriodMinutes: 60,
    threshold: 1,
    tags: [],
    reports: {},
    description: '',
    runbook: '',
    reference: '',
    summaryAttributes: [],
    tests: [],
    file: `${id}.yml`,
    kind: 'simple',
    createAlert: true,
    guard: undefined,
    rest: () => true,
    helpers: { title: (event) => `bucket ${String(event.get('bucket'))}` },
    ...overrides,
  };
}
