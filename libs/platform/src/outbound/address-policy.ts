import { isIP } from 'node:net';
import * as ipaddr from 'ipaddr.js';

export type IP = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Names that reach a cloud instance-metadata service from inside a VM. They are refused by name so the
 * answer does not depend on what the local resolver happens to return for them.
 */
export const METADATA_HOSTNAMES = new Set(['metadata.google.internal', 'metadata', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

/** Metadata endpoints get their own reason so logs say what was being reached for. */
const METADATA_ADDRESSES = new Set(['169.254.169.254', '169.254.170.2', 'fd00:ec2::254']);

// ipaddr.js range names that are routable on the public internet; everything else is refused.
const PUBLIC_V4_RANGES = new Set(['unicast', 'as112', 'amt']);
const PUBLIC_V6_RANGES = new Set(['unicast', 'as112v6', 'amt']);

/**
 * Spelled out as well as taken from ipaddr.js `range()`, so the guard does not quietly weaken if a
 * future ipaddr.js version renames or narrows one of its ranges.
 */
const BLOCKED_V4_CIDRS: Array<[string, string]> = [
  ['255.255.255.255/32', 'broadcast'],
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrierGradeNat'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'linkLocal'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'reserved'],
  ['203.0.113.0/24', 'reserved'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
];

const BLOCKED_V6_CIDRS: Array<[string, string]> = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'rfc6052'], // local-use NAT64: the embedded IPv4 may sit at any prefix length
  ['100::/64', 'discard'],
  ['2001:2::/48', 'benchmarking'],
  ['2001:db8::/32', 'reserved'],
  ['3fff::/20', 'reserved'],
  ['fc00::/7', 'uniqueLocal'],
  ['fe80::/10', 'linkLocal'],
  ['fec0::/10', 'siteLocal'],
  ['ff00::/8', 'multicast'],
];

const parsedV4 = BLOCKED_V4_CIDRS.map(([cidr, reason]) => ({ net: ipaddr.IPv4.parseCIDR(cidr), reason }));
const parsedV6 = BLOCKED_V6_CIDRS.map(([cidr, reason]) => ({ net: ipaddr.IPv6.parseCIDR(cidr), reason }));
// Global unicast IPv6 lives in 2000::/3; anything outside it (once IPv4 wrappers are unwrapped) is not a
// place an agent or webhook receiver can legitimately be.
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

function v4FromWords(hi: number, lo: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

/**
 * The IPv4 addresses an IPv6 address carries (mapped, compatible, translated, NAT64, 6to4, Teredo):
 * traffic to these ends up at the IPv4 host, so they are judged as that host.
 */
export function embeddedIPv4(addr: ipaddr.IPv6): ipaddr.IPv4[] {
  const p = addr.parts;
  const zero = (from: number, to: number) => p.slice(from, to).every((w) => w === 0);
  if (zero(0, 5) && p[5] === 0xffff) return [v4FromWords(p[6], p[7])]; // ::ffff:a.b.c.d
  if (zero(0, 6)) return [v4FromWords(p[6], p[7])]; // ::a.b.c.d (deprecated compatible form)
  if (zero(0, 4) && p[4] === 0xffff && p[5] === 0) return [v4FromWords(p[6], p[7])]; // ::ffff:0:a.b.c.d
  if (p[0] === 0x64 && p[1] === 0xff9b && zero(2, 6)) return [v4FromWords(p[6], p[7])]; // 64:ff9b::/96
  if (p[0] === 0x2002) return [v4FromWords(p[1], p[2])]; // 6to4
  // Teredo: server in words 2-3, client obfuscated (bit-inverted) in words 6-7.
  if (p[0] === 0x2001 && p[1] === 0) return [v4FromWords(p[2], p[3]), v4FromWords(p[6] ^ 0xffff, p[7] ^ 0xffff)];
  return [];
}

/** An IP literal (brackets and a zone id allowed), or null for anything else. */
export function parseIp(text: string): IP | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!isIP(bare.split('%')[0])) return null;
  try {
    return ipaddr.parse(bare);
  } catch {
    return null;
  }
}

/** The IPv4 a dual-stack socket really talks to for an IPv4-mapped address; otherwise the address. */
export function canonical(ip: IP): IP {
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) return (ip as ipaddr.IPv6).toIPv4Address();
  return ip;
}

/**
 * Why an address may not be reached, or null when it is a public unicast address. This is the policy
 * without the allow-list; `GuardedHttpClient` applies OUTBOUND_ALLOWED_HOSTS on top.
 */
export function outboundAddressBlockReason(address: string | IP): string | null {
  const ip = typeof address === 'string' ? parseIp(address) : address;
  if (!ip) return 'not an IP address';
  if (ip.kind() === 'ipv4') {
    const v4 = ip as ipaddr.IPv4;
    if (METADATA_ADDRESSES.has(v4.toString())) return 'cloud metadata';
    for (const { net, reason } of parsedV4) if (v4.match(net)) return reason;
    const range = v4.range();
    return PUBLIC_V4_RANGES.has(range) ? null : range;
  }
  const v6 = ip as ipaddr.IPv6;
  if (METADATA_ADDRESSES.has(v6.toString())) return 'cloud metadata';
  // Before unwrapping: :: and ::1 would otherwise read as the IPv4-compatible 0.0.0.0 / 0.0.0.1.
  for (const { net, reason } of parsedV6) if (v6.match(net)) return reason;
  const inner = embeddedIPv4(v6);
  if (inner.length > 0) {
    for (const v4 of inner) {
      const reason = outboundAddressBlockReason(v4);
      if (reason) return `${reason} (embedded IPv4 ${v4.toString()})`;
    }
    return null;
  }
  if (!v6.match(GLOBAL_UNICAST_V6)) return v6.range() === 'unicast' ? 'not global unicast' : v6.range();
  const range = v6.range();
  return PUBLIC_V6_RANGES.has(range) ? null : range;
}
