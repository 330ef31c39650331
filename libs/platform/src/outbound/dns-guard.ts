import * as dns from 'node:dns';
import { errorCode } from './outbound-failures';
import { OutboundError } from './outbound.types';

/** Every address a host name resolves to, for one address family (0 = any). */
export type Resolver = (hostname: string, family: number) => Promise<dns.LookupAddress[]>;

/** Why an address may not be reached, or null when it may (the address policy with its allow-list). */
export type BlockReason = (address: string) => string | null;

/** The shape of a socket's `lookup` option. */
export type GuardedLookup = (
  host: string,
  options: dns.LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void,
) => void;

/** The system resolver (getaddrinfo, as Node's own connections use), failures as OutboundError `dns`. */
export function systemResolve(hostname: string, family: number): Promise<dns.LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dns.lookup(hostname, { all: true, family, verbatim: true }, (err, addresses) => {
      if (err) {
        reject(new OutboundError('dns', `could not resolve ${hostname}: ${errorCode(err)}`, { host: hostname, code: errorCode(err) }));
      } else if (!addresses || addresses.length === 0) {
        reject(new OutboundError('dns', `could not resolve ${hostname}: no addresses`, { host: hostname }));
      } else {
        resolve(addresses);
      }
    });
  });
}

/** Throws unless every address is allowed: one bad answer in a set is enough to refuse a rebinding trick. */
export function checkResolved(hostname: string, addresses: dns.LookupAddress[], blockReason: BlockReason): void {
  for (const { address } of addresses) {
    const reason = blockReason(address);
    if (reason) {
      throw new OutboundError('blocked_address', `outbound call to ${hostname} refused: it resolves to ${address} (${reason})`, {
        host: hostname,
        address,
        reason,
      });
    }
  }
}

/**
 * The socket's `lookup` for `hostname`: resolve, check every answer, then hand back only checked
 * addresses. The socket connects to what this returns, so the address connected to is the address that
 * was checked (a DNS answer that changes between a check and the connection cannot slip through).
 * `allowAll` is for a host name the allow-list names: its answers are not checked.
 */
export function guardedLookup(hostname: string, allowAll: boolean, resolve: Resolver, blockReason: BlockReason): GuardedLookup {
  return (host, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : typeof options.family === 'number' ? options.family : 0;
    resolve(host, family)
      .then((addresses) => {
        if (!allowAll) checkResolved(hostname, addresses, blockReason);
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      })
      .catch((err: unknown) => callback(err as NodeJS.ErrnoException, ''));
  };
}
