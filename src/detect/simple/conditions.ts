/**
 * The conditions of simple detections, each compiled once into a test of one value.
 *
 * Panther's conditions plus ours (marked): `Wildcard`/`DoesNotMatchWildcard` and the list forms of
 * the CIDR conditions. Rules of thumb, shared by all conditions:
 * - A negative form (`DoesNot…`, `IsNot…`) is exactly the negation of its positive form, so a
 *   missing field satisfies `DoesNotEqual`. The IP conditions are the exception: they are false for
 *   anything that is not an IP address, so `IsIPAddressNotInCIDR` never fires on a missing address.
 * - Numbers and strings compare loosely (`httpstatus: 403` equals `Value: "403"`), because YAML
 *   authors rarely know which one the log schema uses.
 */
import { compileGlob } from './glob.js';
import { cidrContains, isPrivateIp, isPublicIp, parseCidr, parseIp } from './ip.js';

export type ValueTest = (actual: unknown) => boolean;

/** What a condition needs beside the key: nothing, a `Value`, a `Values` list, or either. */
export type Operand = 'none' | 'value' | 'values' | 'value-or-values';

export interface ConditionSpec {
  operand: Operand;
  /** Builds the test; `expected` is the Value, or the Values list. Throws on a bad operand. */
  build(expected: unknown): ValueTest;
  /**
   * The exact negation of a positive condition (`DoesNotEqual` of `Equals`). On a `[*]` path it
   * holds when the positive form holds for no element, as a negation should, rather than when
   * some element differs.
   */
  negative?: boolean;
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return undefined;
}

/** Decimal text, as Python's float() reads it: `Number()` alone would also take `0x10` and `0b1`. */
const DECIMAL = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?\s*$/i;

function asNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && DECIMAL.test(value)) return Number(value);
  return NaN;
}

function requireScalar(expected: unknown): string {
  const text = asText(expected);
  if (text === undefined) throw new Error('needs a scalar Value (string, number or boolean)');
  return text;
}

function requireList(expected: unknown): unknown[] {
  if (!Array.isArray(expected)) throw new Error('needs a Values list');
  return expected;
}

function not(build: (expected: unknown) => ValueTest): (expected: unknown) => ValueTest {
  return (expected) => {
    const test = build(expected);
    return (actual) => !test(actual);
  };
}

/** The negative form of a positive condition spec. */
function negation(positive: ConditionSpec): ConditionSpec {
  return { ...positive, build: not(positive.build), negative: true };
}

const equals = (expected: unknown): ValueTest => {
  if (expected === null) return (actual) => actual === null || actual === undefined;
  const text = requireScalar(expected);
  return (actual) => actual === expected || asText(actual) === text;
};

const iEquals = (expected: unknown): ValueTest => {
  const lower = requireScalar(expected).toLowerCase();
  return (actual) => asText(actual)?.toLowerCase() === lower;
};

function textTest(method: (text: string, operand: string) => boolean, ignoreCase: boolean) {
  return (expected: unknown): ValueTest => {
    const operand = ignoreCase ? requireScalar(expected).toLowerCase() : requireScalar(expected);
    return (actual) => {
      const text = asText(actual);
      if (text === undefined) return false;
      return method(ignoreCase ? text.toLowerCase() : text, operand);
    };
  };
}

const startsWith = (text: string, operand: string) => text.startsWith(operand);
const endsWith = (text: string, operand: string) => text.endsWith(operand);
const includes = (text: string, operand: string) => text.includes(operand);

/** Contains: a substring of a string, or an element of a list. */
function contains(ignoreCase: boolean) {
  const onText = textTest(includes, ignoreCase);
  return (expected: unknown): ValueTest => {
    const substring = onText(expected);
    const element = ignoreCase ? iEquals(expected) : equals(expected);
    return (actual) => (Array.isArray(actual) ? actual.some(element) : substring(actual));
  };
}

function compare(test: (actual: number, bound: number) => boolean) {
  return (expected: unknown): ValueTest => {
    const bound = asNumber(expected);
    if (Number.isNaN(bound)) throw new Error('needs a numeric Value');
    return (actual) => {
      const value = asNumber(actual);
      return !Number.isNaN(value) && test(value, bound);
    };
  };
}

const isIn = (expected: unknown): ValueTest => {
  const members = new Set(requireList(expected).map((value) => asText(value) ?? JSON.stringify(value)));
  // Numbers (`httpstatus`) are looked up as numbers, not through String(n): the members whose text
  // is a number's canonical spelling, as numbers. String(n) is in `members` exactly when n is here.
  const numbers = new Set([...members].map(Number).filter((n) => members.has(String(n))));
  return (actual) => {
    if (typeof actual === 'number') return numbers.has(actual);
    const text = asText(actual);
    return text !== undefined && members.has(text);
  };
};

/** Has: a list holds the Value as an element, or an object has it as a key. */
const has = (expected: unknown): ValueTest => {
  const element = equals(expected);
  const key = requireScalar(expected);
  return (actual) => {
    if (Array.isArray(actual)) return actual.some(element);
    if (actual !== null && typeof actual === 'object') return Object.hasOwn(actual, key);
    return false;
  };
};

const isEmpty = (actual: unknown): boolean =>
  actual === null ||
  actual === undefined ||
  actual === '' ||
  (Array.isArray(actual) && actual.length === 0) ||
  (typeof actual === 'object' && Object.keys(actual as object).length === 0);

const cidrList = (expected: unknown) =>
  (Array.isArray(expected) ? expected : [expected]).map((value) => parseCidr(requireScalar(value)));

const inCidr =
  (negate: boolean) =>
  (expected: unknown): ValueTest => {
    const networks = cidrList(expected);
    return (actual) => {
      const ip = parseIp(actual);
      if (!ip) return false;
      const inside = networks.some((cidr) => cidrContains(cidr, ip));
      return negate ? !inside : inside;
    };
  };

/** The event field holds a network; true when it contains one of the listed addresses. */
const cidrContainsAddresses =
  (negate: boolean) =>
  (expected: unknown): ValueTest => {
    const addresses = (Array.isArray(expected) ? expected : [expected]).map((value) => {
      const ip = parseIp(requireScalar(value));
      if (!ip) throw new Error(`not an IP address: ${JSON.stringify(value)}`);
      return ip;
    });
    return (actual) => {
      if (typeof actual !== 'string') return false;
      let network;
      try {
        network = parseCidr(actual);
      } catch {
        return false;
      }
      const inside = addresses.some((ip) => cidrContains(network, ip));
      return negate ? !inside : inside;
    };
  };

const ipTest = (test: (actual: unknown) => boolean): ConditionSpec => ({
  operand: 'none',
  build: () => test,
});

/** Ours: anchored glob, `*` crosses dots. Any of several patterns may match. */
const wildcard = (expected: unknown): ValueTest => {
  const globs = (Array.isArray(expected) ? expected : [expected]).map((value) =>
    compileGlob(requireScalar(value)),
  );
  return (actual) => {
    const text = asText(actual);
    return text !== undefined && globs.some((glob) => glob(text));
  };
};

const value = (build: (expected: unknown) => ValueTest): ConditionSpec => ({ operand: 'value', build });
const presence = (test: ValueTest): ConditionSpec => ({ operand: 'none', build: () => test });

export const CONDITIONS: Readonly<Record<string, ConditionSpec>> = {
  Equals: value(equals),
  DoesNotEqual: negation(value(equals)),
  IEquals: value(iEquals),
  IDoesNotEqual: negation(value(iEquals)),
  StartsWith: value(textTest(startsWith, false)),
  DoesNotStartWith: negation(value(textTest(startsWith, false))),
  IStartsWith: value(textTest(startsWith, true)),
  IDoesNotStartWith: negation(value(textTest(startsWith, true))),
  EndsWith: value(textTest(endsWith, false)),
  DoesNotEndWith: negation(value(textTest(endsWith, false))),
  IEndsWith: value(textTest(endsWith, true)),
  IDoesNotEndWith: negation(value(textTest(endsWith, true))),
  Contains: value(contains(false)),
  DoesNotContain: negation(value(contains(false))),
  IContains: value(contains(true)),
  IDoesNotContain: negation(value(contains(true))),
  IsGreaterThan: value(compare((a, b) => a > b)),
  IsGreaterThanOrEqual: value(compare((a, b) => a >= b)),
  IsGreaterThanOrEquals: value(compare((a, b) => a >= b)),
  IsLessThan: value(compare((a, b) => a < b)),
  IsLessThanOrEqual: value(compare((a, b) => a <= b)),
  IsLessThanOrEquals: value(compare((a, b) => a <= b)),
  IsIn: { operand: 'values', build: isIn },
  IsNotIn: negation({ operand: 'values', build: isIn }),
  Has: value(has),
  DoesNotHave: negation(value(has)),
  // Null and missing are one thing: Panther drops null fields from parsed events, a live access
  // log record reads a `-` field as null, and test logs write either. So a rule passes its tests
  // and fires in production alike.
  // On a `[*]` path they test each element, like every condition: `users[*].mfa` Exists when some
  // user has one, and DoesNotExist (the negation) when none has.
  Exists: presence((actual) => actual !== undefined && actual !== null),
  DoesNotExist: negation(presence((actual) => actual !== undefined && actual !== null)),
  IsNull: presence((actual) => actual === null || actual === undefined),
  IsNotNull: negation(presence((actual) => actual === null || actual === undefined)),
  IsNullOrEmpty: presence(isEmpty),
  IsNotNullOrEmpty: negation(presence(isEmpty)),
  IsIPAddress: ipTest((actual) => parseIp(actual) !== undefined),
  IsIPv4Address: ipTest((actual) => parseIp(actual)?.version === 4),
  IsIPv6Address: ipTest((actual) => parseIp(actual)?.version === 6),
  IsIPAddressPublic: ipTest((actual) => {
    const ip = parseIp(actual);
    return ip !== undefined && isPublicIp(ip);
  }),
  IsIPAddressPrivate: ipTest((actual) => {
    const ip = parseIp(actual);
    return ip !== undefined && isPrivateIp(ip);
  }),
  IsIPAddressInCIDR: { operand: 'value-or-values', build: inCidr(false) },
  IsIPAddressNotInCIDR: { operand: 'value-or-values', build: inCidr(true) },
  CIDRContainsIPAddresses: { operand: 'value-or-values', build: cidrContainsAddresses(false) },
  CIDRDoesNotContainIPAddresses: { operand: 'value-or-values', build: cidrContainsAddresses(true) },
  Wildcard: { operand: 'value-or-values', build: wildcard },
  DoesNotMatchWildcard: negation({ operand: 'value-or-values', build: wildcard }),
};

/** Conditions that take no key at all. */
export const ABSOLUTE_CONDITIONS: Readonly<Record<string, boolean>> = {
  AlwaysTrue: true,
  AlwaysFalse: false,
};

export const LIST_COMPREHENSIONS = ['AnyElement', 'AllElements', 'OnlyOneElement', 'NoElement'] as const;
export type ListComprehension = (typeof LIST_COMPREHENSIONS)[number];

/** Conditions that are ours, not Panther's: docs/rules.md lists them. */
export const OUR_CONDITIONS = ['Wildcard', 'DoesNotMatchWildcard'] as const;
