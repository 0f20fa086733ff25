import { describe, expect, it } from 'vitest';
import {
  compileExpression,
  compileExpressionList,
  compileWithGuard,
} from '../../src/detect/simple/compile.js';
import { ObjectEvent } from '../../src/detect/object-event.js';
import { compileTemplate } from '../../src/detect/simple/template.js';
import { compileAccessor, parseKeyPath } from '../../src/detect/simple/key-path.js';
import { RuleSyntaxError } from '../../src/detect/simple/errors.js';
import { isParseError, parseS3AccessLine } from '../../src/logs/s3-access/index.js';
import { line, PLAIN_HTTP_TAIL } from '../logs/s3-access/lines.js';

const ctx = { setting: (name: string) => ({ cidrs: ['10.0.0.0/8'], buckets: ['a', 'b'] })[name] };
const event = new ObjectEvent({
  operation: 'REST.GET.OBJECT',
  Bucket: 'Logs',
  httpstatus: 403,
  tlsVersion: 'TLSv1.2',
  ciphersuite: null,
  empty: '',
  hex: '0x10',
  decimalText: ' 12.5e0 ',
  remoteip: '10.1.2.3',
  v6: '2600:1ffe:8140::a47:a85a',
  tags: ['x', 'y'],
  nested: {
    Deep: {
      list: [
        { name: 'Charon', year: 1978 },
        { name: 'Nix', year: 2005 },
      ],
    },
  },
  low: 5,
  high: 9,
});

function check(expression: Record<string, unknown>): boolean {
  return compileExpression(expression, 'Detection[0]', ctx)(event);
}

describe('scalar conditions', () => {
  it.each([
    [{ Key: 'operation', Condition: 'Equals', Value: 'REST.GET.OBJECT' }, true],
    [{ Key: 'httpstatus', Condition: 'Equals', Value: '403' }, true],
    [{ Key: 'operation', Condition: 'DoesNotEqual', Value: 'REST.GET.OBJECT' }, false],
    [{ Key: 'missing', Condition: 'DoesNotEqual', Value: 'x' }, true],
    [{ Key: 'bucket', Condition: 'IEquals', Value: 'LOGS' }, true],
    [{ Key: 'bucket', Condition: 'IDoesNotEqual', Value: 'logs' }, false],
    [{ Key: 'operation', Condition: 'StartsWith', Value: 'REST.' }, true],
    [{ Key: 'operation', Condition: 'DoesNotStartWith', Value: 'REST.' }, false],
    [{ Key: 'operation', Condition: 'IStartsWith', Value: 'rest.' }, true],
    [{ Key: 'operation', Condition: 'EndsWith', Value: '.OBJECT' }, true],
    [{ Key: 'operation', Condition: 'DoesNotEndWith', Value: '.OBJECT' }, false],
    [{ Key: 'operation', Condition: 'IEndsWith', Value: '.object' }, true],
    [{ Key: 'operation', Condition: 'Contains', Value: 'GET' }, true],
    [{ Key: 'operation', Condition: 'DoesNotContain', Value: 'GET' }, false],
    [{ Key: 'operation', Condition: 'IContains', Value: 'get' }, true],
    [{ Key: 'tags', Condition: 'Contains', Value: 'y' }, true],
    [{ Key: 'httpstatus', Condition: 'IsGreaterThan', Value: 402 }, true],
    [{ Key: 'httpstatus', Condition: 'IsGreaterThanOrEqual', Value: 403 }, true],
    [{ Key: 'httpstatus', Condition: 'IsLessThan', Value: 403 }, false],
    [{ Key: 'httpstatus', Condition: 'IsLessThanOrEqual', Value: 403 }, true],
    [{ Key: 'missing', Condition: 'IsGreaterThan', Value: 0 }, false],
    [{ Key: 'decimalText', Condition: 'IsGreaterThan', Value: 12 }, true],
    [{ Key: 'hex', Condition: 'IsGreaterThan', Value: 1 }, false], // not decimal, as in Python
    [{ Key: 'empty', Condition: 'IsLessThan', Value: 1 }, false],
    [{ Key: 'httpstatus', Condition: 'IsIn', Values: [403, 405] }, true],
    [{ Key: 'httpstatus', Condition: 'IsNotIn', Values: [403, 405] }, false],
    [{ Key: 'bucket', Condition: 'IsIn', Values: { Setting: 'buckets' } }, false],
    [{ Key: 'tags', Condition: 'Has', Value: 'x' }, true],
    [{ Key: 'tags', Condition: 'DoesNotHave', Value: 'x' }, false],
  ])('%j → %s', (expression, expected) => {
    expect(check(expression)).toBe(expected);
  });
});

describe('existence conditions', () => {
  it('agree between a live access log record and its JSON, where `-` fields are left out', () => {
    const record = parseS3AccessLine(line({ tail: PLAIN_HTTP_TAIL }));
    if (isParseError(record)) throw new Error(record.message);
    const json = new ObjectEvent(record.toJSON());
    for (const source of [record, json]) {
      expect(
        compileExpression({ Key: 'tlsVersion', Condition: 'DoesNotExist' }, 'Detection[0]', ctx)(source),
      ).toBe(true);
      expect(
        compileExpression({ Key: 'ciphersuite', Condition: 'Exists' }, 'Detection[0]', ctx)(source),
      ).toBe(false);
      expect(compileExpression({ Key: 'hostheader', Condition: 'Exists' }, 'Detection[0]', ctx)(source)).toBe(
        true,
      );
    }
  });

  it.each([
    [{ Key: 'tlsVersion', Condition: 'Exists' }, true],
    [{ Key: 'tlsVersion', Condition: 'DoesNotExist' }, false],
    [{ Key: 'missing', Condition: 'Exists' }, false],
    [{ Key: 'missing', Condition: 'DoesNotExist' }, true],
    // null is missing: a live record reads `-` as null, Panther drops null fields
    [{ Key: 'ciphersuite', Condition: 'Exists' }, false],
    [{ Key: 'ciphersuite', Condition: 'DoesNotExist' }, true],
    [{ Key: 'ciphersuite', Condition: 'IsNull' }, true],
    [{ Key: 'tlsVersion', Condition: 'IsNotNull' }, true],
    [{ Key: 'empty', Condition: 'IsNullOrEmpty' }, true],
    [{ Key: 'missing', Condition: 'IsNullOrEmpty' }, true],
    [{ Key: 'tlsVersion', Condition: 'IsNotNullOrEmpty' }, true],
    [{ Condition: 'AlwaysTrue' }, true],
    [{ Condition: 'AlwaysFalse' }, false],
  ])('%j → %s', (expression, expected) => {
    expect(check(expression)).toBe(expected);
  });
});

describe('IP conditions', () => {
  it.each([
    [{ Key: 'remoteip', Condition: 'IsIPAddress' }, true],
    [{ Key: 'operation', Condition: 'IsIPAddress' }, false],
    [{ Key: 'remoteip', Condition: 'IsIPv4Address' }, true],
    [{ Key: 'v6', Condition: 'IsIPv6Address' }, true],
    [{ Key: 'remoteip', Condition: 'IsIPAddressPrivate' }, true],
    [{ Key: 'remoteip', Condition: 'IsIPAddressPublic' }, false],
    [{ Key: 'v6', Condition: 'IsIPAddressPublic' }, true],
    // Some Panther rules write conditions without an operand with `Value: true`.
    [{ Key: 'v6', Condition: 'IsIPAddressPublic', Value: true }, true],
    [{ Key: 'remoteip', Condition: 'IsIPAddress', Value: true }, true],
    [{ Key: 'remoteip', Condition: 'IsIPAddressInCIDR', Value: '10.0.0.0/8' }, true],
    [{ Key: 'remoteip', Condition: 'IsIPAddressInCIDR', Values: ['192.168.0.0/16', '10.1.0.0/16'] }, true],
    [{ Key: 'remoteip', Condition: 'IsIPAddressNotInCIDR', Values: { Setting: 'cidrs' } }, false],
    [{ Key: 'v6', Condition: 'IsIPAddressNotInCIDR', Values: { Setting: 'cidrs' } }, true],
    [{ Key: 'missing', Condition: 'IsIPAddressNotInCIDR', Value: '10.0.0.0/8' }, false],
    [{ Key: 'v6', Condition: 'IsIPAddressInCIDR', Value: '2600:1ffe::/32' }, true],
  ])('%j → %s', (expression, expected) => {
    expect(check(expression)).toBe(expected);
  });

  it('treats IPv4-mapped IPv6 addresses as IPv4', () => {
    const mapped = new ObjectEvent({ ip: '::ffff:10.9.8.7' });
    expect(
      compileExpression({ Key: 'ip', Condition: 'IsIPAddressInCIDR', Value: '10.0.0.0/8' }, 'x', ctx)(mapped),
    ).toBe(true);
  });
});

describe('Wildcard (ours)', () => {
  it.each([
    ['REST.*.OBJECT', 'REST.GET.OBJECT', true],
    ['REST.*.OBJECT', 'REST.GET.OBJECT_TAGGING', false],
    ['REST.*.OBJECT', 'BATCH.DELETE.OBJECT', false],
    ['REST.*', 'REST.PUT.ACL', true],
    ['*.OBJECT', 'S3.EXPIRE.OBJECT', true],
    ['a?c', 'abc', true],
    ['a*b*c', 'a.x.b/y/c', true],
    ['a*b*c', 'a.x.b/y/d', false],
    ['a?c', 'a\u{1F600}c', true], // one character, even outside the BMP
    ['a??c', 'a\u{1F600}c', false],
    ['log[s]/*', 'log[s]/x', true], // no fnmatch classes: brackets are literal (docs/rules.md)
    ['log[s]/*', 'logs/x', false],
  ])('%s matches %s: %s', (pattern, text, expected) => {
    const test = compileExpression({ Key: 'v', Condition: 'Wildcard', Value: pattern }, 'x', ctx);
    expect(test(new ObjectEvent({ v: text }))).toBe(expected);
  });
});

describe('keys', () => {
  it('reads nested values by KeyPath and DeepKey, case-insensitively', () => {
    expect(check({ KeyPath: 'nested.deep.list[1].name', Condition: 'Equals', Value: 'Nix' })).toBe(true);
    expect(check({ DeepKey: ['nested', 'Deep', 'list', 0, 'year'], Condition: 'Equals', Value: 1978 })).toBe(
      true,
    );
    expect(check({ KeyPath: 'nested.deep.list[*].name', Condition: 'Equals', Value: 'Charon' })).toBe(true);
    expect(check({ KeyPath: 'nested.deep.list[*].name', Condition: 'Equals', Value: 'Pluto' })).toBe(false);
    // A negative form is the negation of its positive form on a `[*]` path too: no element equals.
    expect(check({ KeyPath: 'nested.deep.list[*].name', Condition: 'DoesNotEqual', Value: 'Charon' })).toBe(
      false,
    );
    expect(check({ KeyPath: 'nested.deep.list[*].name', Condition: 'DoesNotEqual', Value: 'Pluto' })).toBe(
      true,
    );
    expect(check({ KeyPath: 'nested.deep.list[*].name', Condition: 'IsNotIn', Values: ['Nix', 'X'] })).toBe(
      false,
    );
    expect(check({ KeyPath: 'tags[*]', Condition: 'DoesNotStartWith', Value: 'y' })).toBe(false);
    expect(check({ KeyPath: 'nothing[*].name', Condition: 'DoesNotEqual', Value: 'Charon' })).toBe(true);
  });
});

describe('[*] paths outside conditions', () => {
  // Titles, dedup strings and summaries show what is there: an element lacking the key adds no
  // null, so dedup strings (and alert ids) stay what they were.
  it('leave out elements that lack the key, where conditions keep them', () => {
    const event = new ObjectEvent({ requests: [{ user: 'alice' }, { ip: '192.0.2.1' }, { user: 'bob' }] });
    const segments = parseKeyPath('requests[*].user');
    expect(compileAccessor(segments, 'x').read(event)).toEqual(['alice', 'bob']);
    expect(compileAccessor(segments, 'x', { keepMissing: true }).read(event)).toEqual([
      'alice',
      undefined,
      'bob',
    ]);
    expect(compileExpression({ KeyPath: 'requests[*].user', Condition: 'IsNull' }, 'x', ctx)(event)).toBe(
      true,
    );
  });
});

describe('presence conditions on a [*] path test each element', () => {
  const users = (...mfa: unknown[]) =>
    new ObjectEvent({
      users: mfa.map((value) => (value === 'missing' ? { name: 'x' } : { name: 'x', mfa: value })),
    });
  const on = (condition: string, event: ObjectEvent) =>
    compileExpression({ KeyPath: 'users[*].mfa', Condition: condition }, 'x', ctx)(event);
  it.each([
    // A negative form holds when its positive form holds for no element.
    // A negative form holds when its positive form holds for no element.
    // users' mfa values       Exists DoesNotExist IsNull IsNotNull IsNullOrEmpty IsNotNullOrEmpty
    [
      ['missing', 'missing'],
      [false, true, true, false, true, false],
    ],
    [
      ['totp', 'missing'],
      [true, false, true, false, true, false],
    ],
    [
      ['totp', 'u2f'],
      [true, false, false, true, false, true],
    ],
    [
      ['totp', ''],
      [true, false, false, true, true, false],
    ],
    [[null], [false, true, true, false, true, false]],
    [[], [false, true, false, true, false, true]],
  ])('users with mfa %j', (mfa, expected) => {
    const event = users(...mfa);
    const conditions = ['Exists', 'DoesNotExist', 'IsNull', 'IsNotNull', 'IsNullOrEmpty', 'IsNotNullOrEmpty'];
    expect(conditions.map((condition) => on(condition, event))).toEqual(expected);
  });
});

describe('combinators', () => {
  const yes = { Condition: 'AlwaysTrue' };
  const no = { Condition: 'AlwaysFalse' };
  it.each([
    ['All', [yes, yes], true],
    ['All', [yes, no], false],
    ['Any', [no, yes], true],
    ['Any', [no, no], false],
    ['OnlyOne', [yes, no], true],
    ['OnlyOne', [yes, yes], false],
    ['OnlyOne', [no, no], false],
    ['None', [no, no], true],
    ['None', [no, yes], false],
  ])('%s of %j → %s', (combinator, children, expected) => {
    expect(check({ [combinator]: children })).toBe(expected);
  });

  it('AND-s a top-level list', () => {
    expect(compileExpressionList([yes, no], 'Detection', ctx)(event)).toBe(false);
    expect(compileExpressionList([yes, yes], 'Detection', ctx)(event)).toBe(true);
  });

  it('lifts the first single-field condition out as the guard', () => {
    const { guard, rest } = compileWithGuard(
      [
        { Key: 'operation', Condition: 'Wildcard', Value: 'REST.*.OBJECT' },
        { Key: 'httpstatus', Condition: 'Equals', Value: 403 },
      ],
      'Detection',
      ctx,
    );
    expect(guard?.field).toBe('operation');
    expect(guard?.test('REST.PUT.OBJECT')).toBe(true);
    expect(guard?.test('REST.GET.BUCKET')).toBe(false);
    expect(rest(event)).toBe(true);
  });
});

describe('list comprehensions and multi-key expressions', () => {
  const nix = [{ Key: 'name', Condition: 'Equals', Value: 'Nix' }];
  it.each([
    ['AnyElement', nix, true],
    ['NoElement', nix, false],
    ['AllElements', nix, false],
    ['AllElements', [{ Key: 'year', Condition: 'IsGreaterThan', Value: 1900 }], true],
    ['OnlyOneElement', nix, true],
    ['OnlyOneElement', [{ Key: 'year', Condition: 'IsGreaterThan', Value: 1900 }], false],
  ])('%s %j → %s', (condition, expressions, expected) => {
    expect(check({ KeyPath: 'nested.deep.list', Condition: condition, Expressions: expressions })).toBe(
      expected,
    );
  });

  it('compares two keys', () => {
    expect(check({ Condition: 'IsGreaterThan', Values: [{ Key: 'high' }, { Key: 'low' }] })).toBe(true);
    expect(check({ Condition: 'IsLessThan', Values: [{ Key: 'high' }, { Key: 'low' }] })).toBe(false);
    expect(check({ Condition: 'Equals', Values: [{ Key: 'high' }, { Key: 'missing' }] })).toBe(false);
    // A negative form is the exact negation of its positive form here too.
    expect(check({ Condition: 'DoesNotEqual', Values: [{ Key: 'high' }, { Key: 'missing' }] })).toBe(true);
    // A null field (a live `-`) is missing too, so a rule behaves alike in its tests and live.
    expect(check({ Condition: 'DoesNotEqual', Values: [{ Key: 'high' }, { Key: 'ciphersuite' }] })).toBe(
      true,
    );
    expect(check({ Condition: 'Equals', Values: [{ Key: 'ciphersuite' }, { Key: 'ciphersuite' }] })).toBe(
      false,
    );
  });
});

describe('mistakes are reported with their place', () => {
  it.each([
    [{ Key: 'a', Condition: 'Equls', Value: 1 }, 'Detection[0].Condition: unknown condition "Equls"'],
    [{ Key: 'a', Condition: 'Equals' }, 'Detection[0]: Equals needs a Value'],
    [{ Key: 'a', Condition: 'IsIn', Value: 1 }, 'Detection[0]: IsIn needs a Values list'],
    [
      { Key: 'a', Condition: 'IsIPAddressInCIDR', Value: '10.0.0.0/33' },
      'Detection[0].Value: IsIPAddressInCIDR bad prefix length',
    ],
    [
      { Key: 'a', Condition: 'IsIn', Values: { Setting: 'nope' } },
      'Detection[0].Values: setting "nope" is not defined',
    ],
    [{ Key: 'a', Condtion: 'Equals' }, 'Detection[0].Condtion: unknown key'],
    [{ Any: [] }, 'Detection[0].Any: must be a non-empty list'],
    [{ KeyPath: 'a..b', Condition: 'Exists' }, 'Detection[0].KeyPath: empty segment'],
    [{ Key: 'a', Condition: 'IsIPAddress', Value: false }, 'Detection[0]: IsIPAddress takes no Value'],
    [
      { Enrichment: { Table: 't', Selector: 's', FieldPath: 'f' }, Condition: 'Exists' },
      'Detection[0].Enrichment: Enrichment (lookup tables) is not supported',
    ],
  ])('%j', (expression, message) => {
    expect(() => check(expression)).toThrow(RuleSyntaxError);
    expect(() => check(expression)).toThrow(message);
  });
});

describe('AlertTitle templates', () => {
  it('fills placeholders and marks missing fields', () => {
    const render = compileTemplate(
      'Insecure access to S3 Bucket [{bucket}] {{literal}} {missing}',
      'AlertTitle',
    );
    expect(render(event)).toBe('Insecure access to S3 Bucket [Logs] {literal} <UNKNOWN_MISSING>');
  });
});
