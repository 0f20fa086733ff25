import { describe, expect, it } from 'vitest';
import { MemoryDeliveryLedger } from '../../src/alert/ledger-memory.js';
import { backoffDelayMs, DEFAULT_RETRY_POLICY } from '../../src/sinks/dispatcher/retry.js';
import { isRetryableStatus, parseRetryAfter } from '../../src/sinks/http.js';

describe('backoff', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, initialBackoffMs: 100, maxBackoffMs: 1000 };

  it('doubles per attempt with jitter between half and all of the step, capped', () => {
    expect(backoffDelayMs(policy, 1, undefined, () => 0)).toBe(50);
    expect(backoffDelayMs(policy, 1, undefined, () => 1)).toBe(100);
    expect(backoffDelayMs(policy, 3, undefined, () => 1)).toBe(400);
    expect(backoffDelayMs(policy, 10, undefined, () => 1)).toBe(1000);
    expect(backoffDelayMs(policy, 10, undefined, () => 0)).toBe(500);
  });

  it('never waits less than Retry-After asked', () => {
    expect(backoffDelayMs(policy, 1, 2000, () => 0.5)).toBe(2000);
  });
});

describe('HTTP classification', () => {
  it('retries 429, 408 and 5xx only', () => {
    expect([429, 408, 500, 502, 503].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 410, 413].some(isRetryableStatus)).toBe(false);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2024-05-01T00:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Wed, 01 May 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('memory delivery ledger', () => {
  it('records per alert and sink, bounded by maxEntries', async () => {
    const ledger = new MemoryDeliveryLedger({ maxEntries: 2 });
    await ledger.record('a1', 'slack', 'delivered');
    await ledger.record('a1', 'pagerduty', 'failed-permanent');
    expect(await ledger.get('a1', 'slack')).toBe('delivered');
    expect(await ledger.get('a1', 'pagerduty')).toBe('failed-permanent');
    expect(await ledger.get('a1', 'webhook')).toBeUndefined();
    await ledger.record('a2', 'slack', 'delivered');
    expect(ledger.size).toBe(2);
    expect(await ledger.get('a1', 'slack')).toBeUndefined();
  });
});
