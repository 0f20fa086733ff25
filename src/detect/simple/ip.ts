/**
 * IP address parsing and CIDR matching for the IP conditions of simple detections.
 *
 * Addresses are parsed into numbers once (IPv4 as an unsigned 32-bit integer, IPv6 as a bigint) so
 * that a CIDR check per event is a mask and a compare. IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`)
 * are treated as the IPv4 address they carry, because S3 logs either form for the same client.
 */

export type ParsedIp = { version: 4; value: number } | { version: 6; value: bigint };

export interface Cidr {
  version: 4 | 6;
  /** Network address with host bits cleared. */
  network: number | bigint;
  mask: number | bigint;
}

const V4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function parseV4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!V4_PART.test(part)) return undefined;
    value = value * 256 + Number(part);
  }
  return value >>> 0;
}

function parseV6(text: string): bigint | undefined {
  const zone = text.indexOf('%');
  const address = zone >= 0 ? text.slice(0, zone) : text;
  if (address.length < 2 || !/^[0-9a-fA-F:.]+$/.test(address)) return undefined;
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (half: string): number[] | undefined => {
    if (half === '') return [];
    const groups: number[] = [];
    const pieces = half.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseV4(piece);
        if (v4 === undefined) return undefined;
        groups.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined;
        groups.push(parseInt(piece, 16));
      }
    }
    return groups;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(group);
  return value;
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;

/** Parses an IPv4 or IPv6 address; `undefined` when the text is not one. */
export function parseIp(input: unknown): ParsedIp | undefined {
  if (typeof input !== 'string' || input.length === 0) return undefined;
  if (!input.includes(':')) {
    const v4 = parseV4(input);
    return v4 === undefined ? undefined : { version: 4, value: v4 };
  }
  const v6 = parseV6(input);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === 0xffffn) return { version: 4, value: Number(v6 - V4_MAPPED_PREFIX) };
  return { version: 6, value: v6 };
}

/** Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address (a /32 or /128). Throws on bad input. */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const ip = parseIp(slash >= 0 ? text.slice(0, slash) : text);
  if (!ip) throw new Error(`not an IP network: ${JSON.stringify(text)}`);
  const bits = ip.version === 4 ? 32 : 128;
  const prefixText = slash >= 0 ? text.slice(slash + 1) : String(bits);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) throw new Error(`bad prefix length in ${JSON.stringify(text)}`);
  if (ip.version === 4) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return { version: 4, network: (ip.value & mask) >>> 0, mask };
  }
  const all = (1n << 128n) - 1n;
  const mask = prefix === 0 ? 0n : (all << BigInt(128 - prefix)) & all;
  return { version: 6, network: ip.value & mask, mask };
}

export function cidrContains(cidr: Cidr, ip: ParsedIp): boolean {
  if (cidr.version !== ip.version) return false;
  if (ip.version === 4) return (ip.value & (cidr.mask as number)) >>> 0 === cidr.network;
  return (ip.value & (cidr.mask as bigint)) === cidr.network;
}

// Python's ipaddress `is_private` ranges, which Panther's IsIPAddressPrivate follows.
const PRIVATE = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/29',
  '192.0.0.170/31',
  '192.0.2.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '240.0.0.0/4',
  '255.255.255.255/32',
  '::1/128',
  '::/128',
  '64:ff9b:1::/48',
  '100::/64',
  '2001::/23',
  '2001:db8::/32',
  'fc00::/7',
  'fe80::/10',
].map(parseCidr);
// Carrier-grade NAT space: neither private nor public (Python's is_global is false for it).
const SHARED = [parseCidr('100.64.0.0/10')];

export function isPrivateIp(ip: ParsedIp): boolean {
  return PRIVATE.some((cidr) => cidrContains(cidr, ip));
}

export function isPublicIp(ip: ParsedIp): boolean {
  return !isPrivateIp(ip) && !SHARED.some((cidr) => cidrContains(cidr, ip));
}
