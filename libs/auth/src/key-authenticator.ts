import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import * as ipaddr from 'ipaddr.js';
import { AppConfig } from '@greenlight/config';
import { ApiKeyEntity } from '@greenlight/database';
import { API_KEY_PATTERN, ApiKeysService, hashApiKey, KeyRejection } from '@greenlight/accounts';
import { REDIS_CLIENT } from '@greenlight/queue';

/** The address has failed too often this minute; it may try again after `retry_after_seconds`. */
export interface AuthThrottled {
  throttled: { limit: number; window_seconds: number; retry_after_seconds: number };
}

export type KeyCheck = { key: ApiKeyEntity } | { rejected: KeyRejection } | AuthThrottled;

const WINDOW_SECONDS = 60;
const REDIS_TIMEOUT_MS = 250;
/** How long a key is remembered as one a client really holds, after its creation or last use. */
const KNOWN_KEY_TTL_SECONDS = 30 * 86_400;
/** How long this process trusts its own memory of a known key before asking Redis again. */
const LOCAL_MEMO_MS = 300_000;
const LOCAL_MEMO_MAX = 10_000;

/** Gives back one reserved failure, unless the window it was taken from has already expired. */
const RELEASE_SCRIPT = `if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end return 0`;

/**
 * Authenticates presented API keys while throttling failed attempts per client address.
 *
 * Each address may fail AUTH_FAILURE_LIMIT_PER_MINUTE times per clock minute (counted in Redis, so
 * every api process shares the count). A key this platform has not seen authenticate recently takes a
 * failure slot *before* its database lookup and gives it back when it turns out valid, so a burst of
 * guesses costs at most the limit in lookups, however parallel it is; past the limit the address gets
 * 429 with no lookup at all. Keys created through the API or used within the last 30 days are
 * "known" and are always looked up, so a client whose neighbour (or whose own typo loop) exhausted the
 * address still gets in with its real key. Text that cannot be a key fails without a lookup. If Redis does not answer, keys
 * are checked as if there were no throttle: losing Redis must not lock everyone out.
 */
@Injectable()
export class KeyAuthenticator {
  private readonly logger = new Logger('KeyAuthenticator');
  private readonly knownLocally = new Map<string, number>();
  private lastWarning = 0;

  constructor(
    private readonly keys: ApiKeysService,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  async authenticate(clientAddress: string | undefined, plaintext: string): Promise<KeyCheck> {
    const limit = this.config.get('AUTH_FAILURE_LIMIT_PER_MINUTE');
    if (limit <= 0) return this.keys.authenticate(plaintext);
    const window = currentWindow();
    const counter = `${this.prefix}:authfail:${addressBucket(clientAddress)}:${window.index}`;

    if (!API_KEY_PATTERN.test(plaintext)) {
      const count = await this.safely(() => this.increment(counter));
      return count !== null && count > limit ? throttled(limit, window.reset_seconds) : { rejected: 'malformed' };
    }

    const fingerprint = knownKeyFingerprint(plaintext);
    const known = await this.isKnown(fingerprint);
    let reserved = false;
    if (!known) {
      const count = await this.safely(() => this.increment(counter));
      if (count !== null && count > limit) return throttled(limit, window.reset_seconds);
      reserved = count !== null;
    }

    const result = await this.keys.authenticate(plaintext);
    if ('rejected' in result) {
      if (known) {
        // A key that used to work (revoked, expired) counts as a failure and is no longer trusted.
        this.knownLocally.delete(fingerprint);
        await this.safely(() =>
          this.redis
            .multi()
            .del(this.knownKey(fingerprint))
            .incr(counter)
            .expire(counter, WINDOW_SECONDS + 1)
            .exec(),
        );
      }
      return result;
    }
    if (reserved) await this.safely(() => this.redis.eval(RELEASE_SCRIPT, 1, counter));
    if (!known) await this.remember(fingerprint);
    return result;
  }

  /** Marks a key just created as known, so it works at once even from a throttled address. */
  async rememberNewKey(plaintext: string): Promise<void> {
    if (this.config.get('AUTH_FAILURE_LIMIT_PER_MINUTE') <= 0) return;
    await this.remember(knownKeyFingerprint(plaintext));
  }

  private get prefix(): string {
    return this.config.get('REDIS_PREFIX');
  }

  private knownKey(fingerprint: string): string {
    return `${this.prefix}:authok:${fingerprint}`;
  }

  private async isKnown(fingerprint: string): Promise<boolean> {
    const until = this.knownLocally.get(fingerprint);
    if (until !== undefined && until > Date.now()) return true;
    // Checking a known key also extends its memory: keys in use stay known.
    const key = this.knownKey(fingerprint);
    const reply = await this.safely(() => this.redis.multi().exists(key).expire(key, KNOWN_KEY_TTL_SECONDS).exec());
    const known = reply?.[0]?.[1] === 1;
    if (known) this.memo(fingerprint);
    return known;
  }

  private async remember(fingerprint: string): Promise<void> {
    this.memo(fingerprint);
    await this.safely(() => this.redis.set(this.knownKey(fingerprint), '1', 'EX', KNOWN_KEY_TTL_SECONDS));
  }

  private memo(fingerprint: string): void {
    if (this.knownLocally.size >= LOCAL_MEMO_MAX) this.knownLocally.clear();
    this.knownLocally.set(fingerprint, Date.now() + LOCAL_MEMO_MS);
  }

  private async increment(counter: string): Promise<number> {
    const result = await this.redis
      .multi()
      .incr(counter)
      .expire(counter, WINDOW_SECONDS + 1)
      .exec();
    const [err, value] = result?.[0] ?? [new Error('empty redis reply'), null];
    if (err) throw err;
    return Number(value);
  }

  /** Runs a Redis step with a short timeout; on failure logs (at most once a minute) and yields null. */
  private async safely<T>(step: () => Promise<T>): Promise<T | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        step(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('redis timeout')), REDIS_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      const now = Date.now();
      if (now - this.lastWarning > 60_000) {
        this.logger.warn(`auth-failure throttle unavailable, checking keys without it: ${(err as Error).message}`);
        this.lastWarning = now;
      }
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}

function currentWindow(): { index: number; reset_seconds: number } {
  const nowSeconds = Math.floor(Date.now() / 1000);
  return { index: Math.floor(nowSeconds / WINDOW_SECONDS), reset_seconds: WINDOW_SECONDS - (nowSeconds % WINDOW_SECONDS) };
}

function throttled(limit: number, retryAfter: number): AuthThrottled {
  return { throttled: { limit, window_seconds: WINDOW_SECONDS, retry_after_seconds: retryAfter } };
}

/**
 * What Redis remembers of a known key: a hash of its lookup hash, so Redis never holds the value the
 * database finds keys by.
 */
function knownKeyFingerprint(plaintext: string): string {
  return createHash('sha256')
    .update(`known-key:${hashApiKey(plaintext)}`)
    .digest('hex')
    .slice(0, 32);
}

/**
 * The bucket failures of an address count in: the IPv4 address itself (IPv4-mapped IPv6 unwrapped),
 * or the /64 network of an IPv6 address, since one client usually holds a whole /64.
 */
export function addressBucket(address: string | undefined): string {
  if (!address || !ipaddr.isValid(address)) return 'unknown';
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return ip.toString();
  return `${(ip as ipaddr.IPv6).toNormalizedString().split(':').slice(0, 4).join(':')}::/64`;
}
