import * as ipaddr from 'ipaddr.js';
import { canonical, IP, outboundAddressBlockReason, parseIp } from './address-policy';

/**
 * OUTBOUND_ALLOWED_HOSTS: host names, IPs and CIDRs outbound calls may reach although the address
 * policy refuses them (a local agent on 127.0.0.1, a receiver in a private network).
 */
export class AllowList {
  private constructor(
    private readonly hostnames: ReadonlySet<string>,
    private readonly networks: ReadonlyArray<[IP, number]>,
  ) {}

  /** Parses the comma-separated setting; throws on an entry that is no host name, IP or CIDR. */
  static parse(raw: string): AllowList {
    const hostnames = new Set<string>();
    const networks: Array<[IP, number]> = [];
    for (const entry of raw
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)) {
      if (entry.includes('/')) {
        networks.push(parseNetwork(entry));
        continue;
      }
      const ip = parseIp(entry);
      if (ip) {
        const c = canonical(ip);
        networks.push([c, c.kind() === 'ipv4' ? 32 : 128]);
        continue;
      }
      const name = normaliseHostname(entry);
      if (!/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(name)) {
        throw new Error(`OUTBOUND_ALLOWED_HOSTS: "${entry}" is not a host name, IP address or CIDR`);
      }
      hostnames.add(name);
    }
    return new AllowList(hostnames, networks);
  }

  /** A host name listed as such: whatever it resolves to may be reached. `hostname` is normalised. */
  allowsHostname(hostname: string): boolean {
    return this.hostnames.has(hostname);
  }

  /** Why `address` may not be reached under this list, or null when it may. */
  blockReason(address: string | IP): string | null {
    const ip = typeof address === 'string' ? parseIp(address) : address;
    if (!ip) return 'not an IP address';
    if (this.allowsIp(ip)) return null;
    return outboundAddressBlockReason(ip);
  }

  private allowsIp(ip: IP): boolean {
    const c = canonical(ip);
    return this.networks.some(([net, bits]) => net.kind() === c.kind() && c.match(net, bits));
  }
}

/** Lower-case, no brackets, no trailing dot: the form host names are compared in. */
export function normaliseHostname(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare.toLowerCase().replace(/\.+$/, '');
}

function parseNetwork(entry: string): [IP, number] {
  try {
    return ipaddr.parseCIDR(entry);
  } catch {
    throw new Error(`OUTBOUND_ALLOWED_HOSTS: "${entry}" is not a valid CIDR`);
  }
}
