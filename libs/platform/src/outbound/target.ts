import { METADATA_HOSTNAMES, parseIp } from './address-policy';
import { AllowList, normaliseHostname } from './allow-list';
import type { GuardedLookup } from './dns-guard';
import { OutboundError } from './outbound.types';

/**
 * What a URL says about where a request goes, once it passed the URL and IP-literal checks. A pure
 * function of the URL text and the client's allow-list, so the client memoises it per URL; nothing in
 * it depends on DNS.
 */
export interface Target {
  readonly https: boolean;
  /** `http:` or `https:`. */
  readonly protocol: string;
  /** Lower-case, no brackets, no trailing dot. */
  readonly hostname: string;
  /** The IP literal the URL names (already checked against the policy), or null for a host name. */
  readonly ip: string | null;
  readonly port: string | undefined;
  /** Path and query, as sent on the request line. */
  readonly path: string;
  /**
   * The socket's `lookup` for a host name: resolves and checks every answer, on every new connection.
   * Null for an IP literal, which Node connects to without a lookup.
   */
  readonly lookup: GuardedLookup | null;
}

/**
 * Checks a URL before anything is resolved or sent: http(s) only, no credentials, no metadata host
 * name, and an IP literal (in whatever spelling) allowed by the address policy and `allow`.
 * `lookupFor` builds the guarded lookup a host name's connections will use.
 */
export function parseTarget(raw: string, allow: AllowList, lookupFor: (hostname: string) => GuardedLookup): Target {
  const url = parseHttpUrl(raw);
  const hostname = normaliseHostname(url.hostname);
  if (!hostname) throw new OutboundError('invalid_url', 'outbound URL has no host', {});
  const details = { host: hostname };
  if (METADATA_HOSTNAMES.has(hostname) && !allow.allowsHostname(hostname)) {
    throw new OutboundError('blocked_address', `outbound call to ${hostname} refused: cloud metadata host`, { ...details, reason: 'cloud metadata' });
  }
  // WHATWG URL parsing has already turned 2130706433, 0x7f.1, 017700000001... into dotted quads.
  const ip = parseIp(hostname);
  if (ip) {
    const reason = allow.blockReason(ip);
    if (reason) {
      throw new OutboundError('blocked_address', `outbound call to ${hostname} refused: ${reason} address`, {
        ...details,
        address: ip.toString(),
        reason,
      });
    }
  }
  return Object.freeze({
    https: url.protocol === 'https:',
    protocol: url.protocol,
    hostname,
    ip: ip ? ip.toString() : null,
    port: url.port || undefined,
    path: `${url.pathname}${url.search}`,
    lookup: ip ? null : lookupFor(hostname),
  });
}

function parseHttpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundError('invalid_url', 'outbound URL is not a valid URL', {});
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundError('invalid_url', `outbound URL must use http or https (got ${url.protocol.replace(/:$/, '')})`, {
      protocol: url.protocol,
    });
  }
  if (url.username || url.password) {
    throw new OutboundError('invalid_url', `outbound URL to ${url.hostname} must not carry credentials`, { host: url.hostname });
  }
  return url;
}
