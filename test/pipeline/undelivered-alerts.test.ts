import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/alert.js';
import { UndeliveredAlerts } from '../../src/pipeline/undelivered-alerts.js';

const ref = (key: string) => ({ bucket: 'logs', key });
const alert = (alertId: string) => ({ alertId }) as Alert;

describe('UndeliveredAlerts', () => {
  it('holds alerts per object until released', () => {
    const held = new UndeliveredAlerts();
    held.hold(ref('a'), alert('1'));
    held.hold(ref('a'), alert('1')); // the same alert again is not counted twice
    held.hold(ref('a'), alert('2'));
    expect(held.size).toBe(2);
    expect(held.holds(ref('a'))).toBe(true);
    held.release(ref('a'), '1');
    held.release(ref('a'), '2');
    expect(held.size).toBe(0);
    expect(held.holds(ref('a'))).toBe(false);
  });

  it('bounds memory by the number of alerts, dropping the oldest objects first', () => {
    const held = new UndeliveredAlerts(1_000, 5);
    for (let i = 0; i < 4; i++) held.hold(ref('old'), alert(`old-${i}`));
    for (let i = 0; i < 3; i++) held.hold(ref('new'), alert(`new-${i}`));
    expect(held.size).toBeLessThanOrEqual(5);
    expect(held.holds(ref('old'))).toBe(false);
    expect(held.heldFor(ref('new')).map((a) => a.alertId)).toEqual(['new-0', 'new-1', 'new-2']);
    expect(held.evicted).toBe(4);
  });

  it('bounds the number of objects too', () => {
    const held = new UndeliveredAlerts(2, 100);
    for (const key of ['a', 'b', 'c']) held.hold(ref(key), alert(key));
    expect([held.holds(ref('a')), held.holds(ref('b')), held.holds(ref('c'))]).toEqual([false, true, true]);
    expect(held.size).toBe(2);
    expect(held.evicted).toBe(1);
  });
});
