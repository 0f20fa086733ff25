import { describe, expect, it } from 'vitest';
import { compileExpression } from '../../src/detect/simple/compile.js';
import { ObjectEvent } from '../../src/detect/object-event.js';

// Conditions of docs/rules.md each at the edge where a slip would flip a rule: equality for the
// "or equal" comparisons, an object key for Has, a network field for the CIDR… pair, a Values
// list for Wildcard, and null as missing for Equals.
const ctx = { setting: () => undefined };
const event = new ObjectEvent({
  httpstatus: 403,
  operation: 'REST.PUT.OBJECT',
  requestParameters: { acl: '', versionId: 'v1' },
  allowedNetwork: '10.0.0.0/8',
  ciphersuite: null,
});

function check(expression: Record<string, unknown>): boolean {
  return compileExpression(expression, 'Detection[0]', ctx)(event);
}

describe('conditions at their edges', () => {
  it.each([
    [{ Key: 'httpstatus', Condition: 'IsLessThanOrEquals', Value: 403 }, true],
    [{ Key: 'httpstatus', Condition: 'IsLessThanOrEquals', Value: 402 }, false],
    [{ Key: 'httpstatus', Condition: 'IsGreaterThanOrEquals', Value: 403 }, true],
    [{ Key: 'httpstatus', Condition: 'IsGreaterThanOrEquals', Value: 404 }, false],
    [{ Key: 'requestParameters', Condition: 'Has', Value: 'acl' }, true],
    [{ Key: 'requestParameters', Condition: 'Has', Value: 'tagging' }, false],
    [{ Key: 'requestParameters', Condition: 'DoesNotHave', Value: 'acl' }, false],
    [{ Key: 'allowedNetwork', Condition: 'CIDRContainsIPAddresses', Value: '10.1.2.3' }, true],
    [{ Key: 'allowedNetwork', Condition: 'CIDRContainsIPAddresses', Value: '192.0.2.1' }, false],
    [{ Key: 'allowedNetwork', Condition: 'CIDRDoesNotContainIPAddresses', Value: '192.0.2.1' }, true],
    [{ Key: 'allowedNetwork', Condition: 'CIDRDoesNotContainIPAddresses', Value: '10.1.2.3' }, false],
    [
      {
        Key: 'allowedNetwork',
        Condition: 'CIDRDoesNotContainIPAddresses',
        Values: ['192.0.2.1', '10.9.9.9'],
      },
      false,
    ],
    [{ Key: 'operation', Condition: 'Wildcard', Values: ['REST.GET.*', 'REST.PUT.*'] }, true],
    [{ Key: 'operation', Condition: 'Wildcard', Values: ['REST.GET.*', 'REST.HEAD.*'] }, false],
    [{ Key: 'operation', Condition: 'DoesNotMatchWildcard', Values: ['REST.GET.*', 'REST.PUT.*'] }, false],
    [{ Key: 'missing', Condition: 'Equals', Value: null }, true],
    [{ Key: 'ciphersuite', Condition: 'Equals', Value: null }, true],
    [{ Key: 'operation', Condition: 'Equals', Value: null }, false],
    [{ Key: 'missing', Condition: 'DoesNotEqual', Value: null }, false],
  ])('%j → %s', (expression, expected) => {
    expect(check(expression)).toBe(expected);
  });
});
