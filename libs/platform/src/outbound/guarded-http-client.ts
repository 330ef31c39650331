import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type * as dns from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import { LRUCache } from 'lru-cache';
import { AppConfig } from '@greenlight/config';
import { AllowList } from './allow-list';
import { checkResolved, GuardedLookup, guardedLookup, systemResolve } from './dns-guard';
import { exchange, Exchange, ExchangeRequest } from './exchange';
import { fetchThrough } from './fetch-adapter';
import { OutboundRequest, OutboundResponse } from './outbound.types';
import { parseTarget, Target } from './target';

export { embeddedIPv4, outboundAddressBlockReason } from './address-policy';

/** Parsed targets kept per client; past this many the least recently used go (agents and webhook receivers are few). */
const MAX_CACHED_TARGETS = 1_000;
/** Longer URLs are parsed on every call rather than kept as cache keys. */
const MAX_CACHED_URL_LENGTH = 2_048;

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
  /**
   * `parseTarget` memoised per URL text. Only successes are kept, and a Target holds no DNS answer: a
   * host name is still resolved and every answer checked on each new connection (its `lookup`); an IP
   * literal's verdict depends on nothing but the address and the allow-list, fixed for the client.
   */
  private readonly targets = new LRUCache<string, Target>({ max: MAX_CACHED_TARGETS });
  private readonly blockReason = (address: string) => this.addressBlockReason(address);

  constructor(config: AppConfig) {
    this.allow = AllowList.parse(config.get('OUTBOUND_ALLOWED_HOSTS') ?? '');
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
    return this.allow.blockReason(address);
  }

  /** The checks `request` makes before sending (URL, host name, DNS answer), without sending anything. */
  async assertAllowedUrl(url: string): Promise<void> {
    const target = this.targetFor(url);
    if (target.ip) return; // an IP literal was fully checked by parseTarget
    // An allow-listed name is still resolved: a URL that cannot resolve is worth refusing when saved.
    const addresses = await this.resolve(target.hostname, 0);
    if (!this.allow.allowsHostname(target.hostname)) checkResolved(target.hostname, addresses, this.blockReason);
  }

  request(req: OutboundRequest): Promise<OutboundResponse> {
    return this.send(req, false);
  }

  /**
   * `fetch`-compatible entry point for libraries that take one (the OpenAI SDK). Bound to the instance,
   * so it can be passed around as a plain function. Buffers the whole body (under the size cap) before
   * resolving, and rejects with the OutboundError on refusals, redirects and failures.
   */
  readonly fetch: typeof globalThis.fetch = (input, init) => fetchThrough((req) => this.send(req, true), this.defaultMaxBytes, input, init);

  /** Kept as a method so tests can stand in for the system resolver. */
  protected resolve(hostname: string, family: number): Promise<dns.LookupAddress[]> {
    return systemResolve(hostname, family);
  }

  private send(req: ExchangeRequest, withRawHeaders: true): Promise<Exchange>;
  private send(req: ExchangeRequest, withRawHeaders: false): Promise<OutboundResponse>;
  private send(req: ExchangeRequest, withRawHeaders: boolean): Promise<Exchange | OutboundResponse> {
    let target: Target;
    try {
      target = this.targetFor(req.url);
    } catch (err) {
      return Promise.reject(err);
    }
    const options = { maxBytes: req.max_response_bytes ?? this.defaultMaxBytes, agent: target.https ? this.httpsAgent : this.httpAgent };
    return withRawHeaders ? exchange(target, req, options, true) : exchange(target, req, options, false);
  }

  private targetFor(raw: string): Target {
    const cached = this.targets.get(raw);
    if (cached) return cached;
    const target = parseTarget(raw, this.allow, (hostname) => this.lookupFor(hostname));
    if (raw.length <= MAX_CACHED_URL_LENGTH) this.targets.set(raw, target);
    return target;
  }

  private lookupFor(hostname: string): GuardedLookup {
    return guardedLookup(hostname, this.allow.allowsHostname(hostname), (host, family) => this.resolve(host, family), this.blockReason);
  }
}
