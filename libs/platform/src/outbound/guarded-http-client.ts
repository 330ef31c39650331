import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import * as dns from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import * as zlib from 'node:zlib';
import * as ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';
import { AppConfig } from '@greenlight/config';
import { OutboundError, OutboundRequest, OutboundResponse } from './outbound.types';

type IP = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Names that reach a cloud instance-metadata service from inside a VM. They are refused by name so the
 * answer does not depend on what the local resolver happens to return for them.
 */
const METADATA_HOSTNAMES = new Set(['metadata.google.internal', 'metadata', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

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

/** Largest overall timer a signal-driven fetch gets, so a forgotten signal cannot pin a socket forever. */
const FETCH_BACKSTOP_TIMEOUT_MS = 600_000;
const FETCH_DEFAULT_TIMEOUT_MS = 60_000;

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

function parseIp(text: string): IP | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!isIP(bare.split('%')[0])) return null;
  try {
    return ipaddr.parse(bare);
  } catch {
    return null;
  }
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

/**
 * What a URL says about where a request goes, once it passed the URL and IP-literal checks. A pure
 * function of the URL text and the client's allow-list, so the client memoises it per URL (see
 * `targetFor`); nothing in it depends on DNS.
 */
interface Target {
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

type GuardedLookup = (
  host: string,
  options: dns.LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void,
) => void;

/** Parsed targets kept per client; past this many the least recently used go (agents and webhook receivers are few). */
const MAX_CACHED_TARGETS = 1_000;
/** Longer URLs are parsed on every call rather than kept as cache keys. */
const MAX_CACHED_URL_LENGTH = 2_048;

interface AllowList {
  hostnames: Set<string>;
  networks: Array<[IP, number]>;
}

function normaliseHostname(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare.toLowerCase().replace(/\.+$/, '');
}

/** The IPv4 a dual-stack socket really talks to for an IPv4-mapped address; otherwise the address. */
function canonical(ip: IP): IP {
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) return (ip as ipaddr.IPv6).toIPv4Address();
  return ip;
}

function parseAllowList(raw: string): AllowList {
  const list: AllowList = { hostnames: new Set(), networks: [] };
  for (const entry of raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    if (entry.includes('/')) {
      let net: [IP, number];
      try {
        net = ipaddr.parseCIDR(entry);
      } catch {
        throw new Error(`OUTBOUND_ALLOWED_HOSTS: "${entry}" is not a valid CIDR`);
      }
      list.networks.push(net);
      continue;
    }
    const ip = parseIp(entry);
    if (ip) {
      const c = canonical(ip);
      list.networks.push([c, c.kind() === 'ipv4' ? 32 : 128]);
      continue;
    }
    const name = normaliseHostname(entry);
    if (!/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(name)) {
      throw new Error(`OUTBOUND_ALLOWED_HOSTS: "${entry}" is not a host name, IP address or CIDR`);
    }
    list.hostnames.add(name);
  }
  return list;
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}

function describeError(err: unknown): string {
  const code = errorCode(err);
  const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return code !== 'UNKNOWN' && !msg.includes(code) ? `${code}: ${msg}` : msg;
}

/** The full result of one exchange; `OutboundResponse` is the public subset of it. */
interface Exchange extends OutboundResponse {
  status_text: string;
  /** Raw header names and values in arrival order, repeats kept (for `Headers`, where set-cookie stays split). */
  raw_headers: string[];
}

interface Exchangeable extends Omit<OutboundRequest, 'method'> {
  method?: string;
}

/**
 * The one way Greenlight talks to the outside world (agent endpoints, webhook receivers, the OpenAI
 * SDK). Refuses non-HTTP URLs, credentials in URLs and any destination that is private, loopback,
 * link-local, metadata... unless OUTBOUND_ALLOWED_HOSTS lists it; the DNS answer is checked inside the
 * socket's own lookup, so the address connected to is the address that was checked. Never follows
 * redirects, enforces one overall timeout and caps the response size.
 */
@Injectable()
export class GuardedHttpClient implements OnApplicationShutdown {
  private readonly allow: AllowList;
  private readonly defaultMaxBytes: number;
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64, timeout: 60_000 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64, timeout: 60_000 });
  /** Memo of `parseTarget` per URL text: pure parsing and policy work, never a DNS answer. */
  private readonly targets = new LRUCache<string, Target>({ max: MAX_CACHED_TARGETS });

  constructor(config: AppConfig) {
    this.allow = parseAllowList(config.get('OUTBOUND_ALLOWED_HOSTS') ?? '');
    this.defaultMaxBytes = config.get('OUTBOUND_MAX_RESPONSE_BYTES');
  }

  onApplicationShutdown(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  static fromConfig(config: AppConfig): GuardedHttpClient {
    return new GuardedHttpClient(config);
  }

  /** Why `address` may not be reached under this client's allow-list, or null when it may. */
  addressBlockReason(address: string): string | null {
    const ip = parseIp(address);
    if (!ip) return 'not an IP address';
    if (this.isAllowListedIp(ip)) return null;
    return outboundAddressBlockReason(ip);
  }

  /** The checks `request` makes before sending (URL, host name, DNS answer), without sending anything. */
  async assertAllowedUrl(url: string): Promise<void> {
    const target = this.targetFor(url);
    if (target.ip) return; // an IP literal was fully checked by parseTarget
    // An allow-listed name is still resolved: a URL that cannot resolve is worth refusing when saved.
    const addresses = await this.resolve(target.hostname, 0);
    if (!this.allow.hostnames.has(target.hostname)) this.checkResolved(target.hostname, addresses);
  }

  request(req: OutboundRequest): Promise<OutboundResponse> {
    return this.exchange(req, false);
  }

  /**
   * `fetch`-compatible entry point for libraries that take one (the OpenAI SDK). Bound to the instance,
   * so it can be passed around as a plain function. Buffers the whole body (under the size cap) before
   * resolving, and rejects with the OutboundError on refusals, redirects and failures.
   */
  readonly fetch: typeof globalThis.fetch = (input, init) => this.fetchImpl(input, init);

  // --- URL and address policy ---------------------------------------------------------------

  /**
   * `parseTarget` memoised per URL text. Only successes are kept, and a Target holds no DNS answer: a
   * host name is still resolved and every answer checked on each new connection (its `lookup`); an IP
   * literal's verdict depends on nothing but the address and the allow-list, fixed for the client.
   */
  private targetFor(raw: string): Target {
    const cached = this.targets.get(raw);
    if (cached) return cached;
    const target = this.parseTarget(raw);
    if (raw.length <= MAX_CACHED_URL_LENGTH) this.targets.set(raw, target);
    return target;
  }

  private parseTarget(raw: string): Target {
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
    const hostname = normaliseHostname(url.hostname);
    if (!hostname) throw new OutboundError('invalid_url', 'outbound URL has no host', {});
    const details = { host: hostname };
    if (METADATA_HOSTNAMES.has(hostname) && !this.allow.hostnames.has(hostname)) {
      throw new OutboundError('blocked_address', `outbound call to ${hostname} refused: cloud metadata host`, { ...details, reason: 'cloud metadata' });
    }
    // WHATWG URL parsing has already turned 2130706433, 0x7f.1, 017700000001... into dotted quads.
    const ip = parseIp(hostname);
    if (ip) {
      const reason = this.addressBlockReason(ip.toString());
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
      lookup: ip ? null : this.guardedLookup(hostname),
    });
  }

  private isAllowListedIp(ip: IP): boolean {
    const c = canonical(ip);
    return this.allow.networks.some(([net, bits]) => net.kind() === c.kind() && c.match(net, bits));
  }

  /** Throws unless every address is allowed: one bad answer in a set is enough to refuse a rebinding trick. */
  private checkResolved(hostname: string, addresses: dns.LookupAddress[]): void {
    for (const { address } of addresses) {
      const reason = this.addressBlockReason(address);
      if (reason) {
        throw new OutboundError('blocked_address', `outbound call to ${hostname} refused: it resolves to ${address} (${reason})`, {
          host: hostname,
          address,
          reason,
        });
      }
    }
  }

  /** Kept as a method so tests can stand in for the system resolver. */
  protected resolve(hostname: string, family: number): Promise<dns.LookupAddress[]> {
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

  /** The socket's `lookup`: resolve, check every answer, then hand back only checked addresses. */
  private guardedLookup(hostname: string): GuardedLookup {
    const allowAll = this.allow.hostnames.has(hostname);
    return (host, options, callback) => {
      const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : typeof options.family === 'number' ? options.family : 0;
      this.resolve(host, family)
        .then((addresses) => {
          if (!allowAll) this.checkResolved(hostname, addresses);
          if (options.all) callback(null, addresses);
          else callback(null, addresses[0].address, addresses[0].family);
        })
        .catch((err: unknown) => callback(err as NodeJS.ErrnoException, ''));
    };
  }

  // --- the exchange ---------------------------------------------------------------------------

  /**
   * One request and its whole response. `withRawHeaders` keeps the raw header list for `fetch`;
   * `request` only needs the merged map.
   */
  private exchange(req: Exchangeable, withRawHeaders: true): Promise<Exchange>;
  private exchange(req: Exchangeable, withRawHeaders: false): Promise<OutboundResponse>;
  private exchange(req: Exchangeable, withRawHeaders: boolean): Promise<Exchange | OutboundResponse> {
    const started = performance.now();
    let target: Target;
    try {
      target = this.targetFor(req.url);
    } catch (err) {
      return Promise.reject(err);
    }
    const host = target.hostname;
    const maxBytes = req.max_response_bytes ?? this.defaultMaxBytes;
    const method = req.method === undefined ? 'GET' : req.method.toUpperCase();
    if (!/^[A-Z]+$/.test(method)) return Promise.reject(new OutboundError('invalid_url', `unsupported HTTP method for ${host}`, { host }));
    const signal = req.signal;
    if (signal?.aborted) return Promise.reject(this.abortedError(host, signal));

    return new Promise<Exchange | OutboundResponse>((resolve, reject) => {
      let settled = false;
      let clientReq: http.ClientRequest | undefined;

      const onAbort = () => fail(this.abortedError(host, signal!));
      const timer = setTimeout(
        () => fail(new OutboundError('timeout', `request to ${host} timed out after ${req.timeout_ms} ms`, { host, timeout_ms: req.timeout_ms })),
        req.timeout_ms,
      );
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const fail = (err: OutboundError) => {
        if (settled) return;
        settled = true;
        cleanup();
        clientReq?.destroy();
        reject(err);
      };
      signal?.addEventListener('abort', onAbort, { once: true });

      const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
      const headers: Record<string, string | number> = {};
      let hasLength = false;
      if (req.headers) {
        for (const name of Object.keys(req.headers)) {
          headers[name] = req.headers[name];
          if (!hasLength && name.length === 14 && name.toLowerCase() === 'content-length') hasLength = true;
        }
      }
      if (body && !hasLength) headers['content-length'] = body.length;

      const options: https.RequestOptions = {
        method,
        protocol: target.protocol,
        hostname: target.ip ?? host,
        port: target.port,
        path: target.path,
        headers,
        // Pooled keep-alive sockets: a socket is only ever opened through the guarded lookup (a host
        // name) or to the checked IP literal, so a reused one is connected to an address that was
        // checked (a later DNS change cannot move it).
        agent: target.https ? this.httpsAgent : this.httpAgent,
      };
      if (target.lookup) options.lookup = target.lookup as unknown as http.RequestOptions['lookup'];
      if (target.https && !target.ip) options.servername = host;

      try {
        clientReq = (target.https ? https : http).request(options);
      } catch (err) {
        fail(new OutboundError('network', `request to ${host} failed: ${describeError(err)}`, { host, code: errorCode(err) }));
        return;
      }

      clientReq.on('error', (err) => fail(this.networkError(host, err)));
      clientReq.on('response', (res) => {
        // First, so that destroying the exchange below can never surface as an unhandled 'error'.
        res.on('error', (err) => fail(this.networkError(host, err)));
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          const location = typeof res.headers.location === 'string' ? res.headers.location : null;
          fail(new OutboundError('redirect', `${host} answered ${status}; redirects are not followed`, { host, status, location }));
          return;
        }
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) {
          fail(this.tooLarge(host, maxBytes, declared));
          return;
        }
        const remote = res.socket?.remoteAddress ?? '';
        // Most answers arrive in one chunk: keep it as it is rather than copying it through concat.
        let first: Buffer | undefined;
        let chunks: Buffer[] | undefined;
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            // Destroying the request tears down the socket, so the rest of the body is never read.
            fail(this.tooLarge(host, maxBytes));
            return;
          }
          if (first === undefined) first = chunk;
          else (chunks ??= [first]).push(chunk);
        });
        res.on('aborted', () => fail(new OutboundError('network', `connection to ${host} closed before the response was complete`, { host })));
        res.on('end', () => {
          if (!res.complete) {
            fail(new OutboundError('network', `connection to ${host} closed before the response was complete`, { host }));
            return;
          }
          if (settled) return;
          settled = true;
          cleanup();
          // Names lower-cased, repeated headers joined with ", " (the headers map of OutboundResponse).
          const raw = res.rawHeaders;
          const merged: Record<string, string> = {};
          for (let i = 0; i + 1 < raw.length; i += 2) {
            const name = raw[i].toLowerCase();
            const value = raw[i + 1];
            merged[name] = name in merged ? `${merged[name]}, ${value}` : value;
          }
          const response: OutboundResponse = {
            status,
            headers: merged,
            body: chunks ? Buffer.concat(chunks, size) : (first ?? Buffer.alloc(0)),
            latency_ms: Math.round(performance.now() - started),
            remote_address: remote,
          };
          resolve(withRawHeaders ? { ...response, status_text: res.statusMessage ?? '', raw_headers: raw } : response);
        });
      });
      clientReq.end(body);
    });
  }

  private tooLarge(host: string, maxBytes: number, declared?: number): OutboundError {
    return new OutboundError('too_large', `response from ${host} is larger than ${maxBytes} bytes`, {
      host,
      max_response_bytes: maxBytes,
      ...(declared !== undefined ? { content_length: declared } : {}),
    });
  }

  private abortedError(host: string, signal: AbortSignal): OutboundError {
    const reason = signal.reason instanceof Error ? signal.reason.message : signal.reason === undefined ? 'aborted' : String(signal.reason);
    // No dedicated kind exists; an aborted call is "gave up waiting", and details.aborted tells it apart.
    return new OutboundError('timeout', `request to ${host} was aborted (${reason})`, { host, aborted: true });
  }

  private networkError(host: string, err: unknown): OutboundError {
    if (err instanceof OutboundError) return err; // refusals and DNS failures from the guarded lookup
    const code = errorCode(err);
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') {
      return new OutboundError('dns', `could not resolve ${host}: ${code}`, { host, code });
    }
    if (code === 'ETIMEDOUT') return new OutboundError('timeout', `connection to ${host} timed out (${code})`, { host, code });
    return new OutboundError('network', `request to ${host} failed: ${describeError(err)}`, { host, code });
  }

  // --- fetch ----------------------------------------------------------------------------------

  private async fetchImpl(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const fromRequest = typeof input === 'object' && !(input instanceof URL) ? input : undefined;
    const url = fromRequest ? fromRequest.url : String(input);
    const method = (init?.method ?? fromRequest?.method ?? 'GET').toUpperCase();
    const signal = init?.signal ?? fromRequest?.signal ?? undefined;
    if (signal?.aborted) throw this.abortReason(signal);

    const headers = new Headers(fromRequest?.headers);
    if (init?.headers) new Headers(init.headers).forEach((value, name) => headers.set(name, value));

    let body: Buffer | undefined;
    const rawBody = init && 'body' in init ? init.body : fromRequest?.body;
    if (rawBody !== undefined && rawBody !== null) {
      // Response's body extraction gives fetch's exact encoding rules (strings, buffers, URLSearchParams,
      // Blob, FormData, streams) including the content-type they imply.
      const carrier = new Response(rawBody as ConstructorParameters<typeof Response>[0]);
      body = Buffer.from(await carrier.arrayBuffer());
      const implied = carrier.headers.get('content-type');
      if (implied && !headers.has('content-type')) headers.set('content-type', implied);
    }
    const flat: Record<string, string> = {};
    headers.forEach((value, name) => (flat[name] = value));

    const maxBytes = this.defaultMaxBytes;
    let exchange: Exchange;
    try {
      exchange = await this.exchange(
        {
          url,
          method,
          headers: flat,
          body,
          timeout_ms: signal ? FETCH_BACKSTOP_TIMEOUT_MS : FETCH_DEFAULT_TIMEOUT_MS,
          max_response_bytes: maxBytes,
          signal,
        },
        true,
      );
    } catch (err) {
      // fetch callers (the SDK) recognise cancellation by the signal's own reason, as with real fetch.
      if (signal?.aborted) throw this.abortReason(signal);
      throw err;
    }

    let payload = exchange.body;
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i + 1 < exchange.raw_headers.length; i += 2) pairs.push([exchange.raw_headers[i].toLowerCase(), exchange.raw_headers[i + 1]]);
    const encoding = (exchange.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (['gzip', 'x-gzip', 'deflate', 'br'].includes(encoding) && payload.length > 0 && method !== 'HEAD') {
      payload = this.decompress(payload, encoding, maxBytes, new URL(url).hostname);
      // Like real fetch: the body handed out is decoded, so its encoding headers no longer describe it.
      for (let i = pairs.length - 1; i >= 0; i--) if (pairs[i][0] === 'content-encoding' || pairs[i][0] === 'content-length') pairs.splice(i, 1);
    }
    if (exchange.status < 200 || exchange.status > 599) {
      // Response cannot represent these; a server sending one is broken, not answering.
      throw new OutboundError('network', `${new URL(url).hostname} answered an invalid HTTP status ${exchange.status}`, { status: exchange.status });
    }
    const nullBody = [204, 205, 304].includes(exchange.status) || method === 'HEAD';
    const responseHeaders = new Headers();
    for (const [name, value] of pairs) responseHeaders.append(name, value);
    const response = new Response(nullBody ? null : payload, {
      status: exchange.status,
      statusText: exchange.status_text,
      headers: responseHeaders,
    });
    Object.defineProperty(response, 'url', { value: url });
    return response;
  }

  private decompress(payload: Buffer, encoding: string, maxBytes: number, host: string): Buffer {
    const opts = { maxOutputLength: maxBytes };
    try {
      if (encoding === 'br') return zlib.brotliDecompressSync(payload, opts);
      if (encoding === 'deflate') {
        // Servers send both zlib-wrapped and raw deflate under this name.
        try {
          return zlib.inflateSync(payload, opts);
        } catch (err) {
          if (errorCode(err) === 'ERR_BUFFER_TOO_LARGE') throw err;
          return zlib.inflateRawSync(payload, opts);
        }
      }
      return zlib.gunzipSync(payload, opts);
    } catch (err) {
      if (errorCode(err) === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw new OutboundError('too_large', `decoded response from ${host} is larger than ${maxBytes} bytes`, { host, max_response_bytes: maxBytes });
      }
      throw new OutboundError('network', `response from ${host} could not be decoded (${encoding})`, { host, code: errorCode(err) });
    }
  }

  private abortReason(signal: AbortSignal): unknown {
    return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
  }
}
