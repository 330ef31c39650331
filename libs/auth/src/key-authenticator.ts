import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import * as ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';
import { AppConfig } from '@greenlight/config';
import { ApiKeyEntity } from '@greenlight/database';
import { API_KEY_PATTERN, ApiKeysService, hashApiKey, KeyRejection } from '@greenlight/accounts';
import { REDIS_CLIENT } from '@greenlight/queue';
import { FailOpen } from './fail-open';
import { MinuteCounter, WINDOW_SECONDS } from './minute-counter';

/** The address has failed too often this minute; it may try again after `retry_after_seconds`. */
export interface AuthThrottled {
  throttled: { limit: number; window_seconds: number; retry_after_seconds: number };
}

export type KeyCheck = { key: ApiKeyEntity } | { rejected: KeyRejection } | AuthThrottled;

/** How long a key is remembered as one a client really holds, after its creation or last use. */
const KNOWN_KEY_TTL_SECONDS = 30 * 86_400;
/** How long this process trusts its own memory of a known key before asking Redis again. */
const LOCAL_MEMO_MS = 300_000;
const LOCAL_MEMO_MAX = 10_000;

/**
 * Authenticates presented API keys while throttling failed attempts per client address.
 *
 * Each address may fail AUTH_FAILURE_LIMIT_PER_MINUTE times per minute (counted in Redis, so every api
 * process shares the count; the address's minute starts with its first failure). A key this platform
 * has not seen authenticate recently takes a failure slot *before* its database lookup and gives it
 * back when it turns out valid, so a burst of guesses costs at most the limit in lookups, however
 * parallel it is; past the limit the address gets 429 with no lookup at all. Keys created through the
 * API or used within the last 30 days are "known" and are always looked up, so a client whose
 * neighbour (or whose own typo loop) exhausted the address still gets in with its real key. Text that
 * cannot be a key fails without a lookup. If Redis does not answer, keys are checked as if there were
 * no throttle: losing Redis must not lock everyone out.
 */
@Injectable()
export class KeyAuthenticator {
  private readonly knownLocally = new LRUCache<string, true>({ max: LOCAL_MEMO_MAX, ttl: LOCAL_MEMO_MS });
  /** Failures per address bucket; null when the throttle is off. */
  private readonly failures: MinuteCounter | null;
  private readonly redisDown = new FailOpen(new Logger('KeyAuthenticator'), 'auth-failure throttle unavailable, checking keys without it');

  constructor(
    private readonly keys: ApiKeysService,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {
    const limit = config.get('AUTH_FAILURE_LIMIT_PER_MINUTE');
    this.failures = limit > 0 ? new MinuteCounter(redis, `${config.get('REDIS_PREFIX')}:authfail`, limit) : null;
  }

  async authenticate(clientAddress: string | undefined, plaintext: string): Promise<KeyCheck> {
    const failures = this.failures;
    if (!failures) return this.keys.authenticate(plaintext);
    const bucket = addressBucket(clientAddress);

    if (!API_KEY_PATTERN.test(plaintext)) {
      const count = await this.redisDown.run(() => failures.consume(bucket));
      return count && !count.allowed ? throttled(failures.limit, count.reset_seconds) : { rejected: 'malformed' };
    }

    const fingerprint = knownKeyFingerprint(plaintext);
    const known = await this.isKnown(fingerprint);
    let reserved = false;
    if (!known) {
      const count = await this.redisDown.run(() => failures.consume(bucket));
      if (count && !count.allowed) return throttled(failures.limit, count.reset_seconds);
      reserved = count !== null;
    }

    const result = await this.keys.authenticate(plaintext);
    if ('rejected' in result) {
      // A key that used to work (revoked, expired) counts as a failure and is no longer trusted.
      if (known) await this.forget(fingerprint, failures, bucket);
      return result;
    }
    if (reserved) await this.redisDown.run(() => failures.reward(bucket));
    if (!known) await this.remember(fingerprint);
    return result;
  }

  /** Marks a key just created as known, so it works at once even from a throttled address. */
  async rememberNewKey(plaintext: string): Promise<void> {
    if (!this.failures) return;
    await this.remember(knownKeyFingerprint(plaintext));
  }

  private knownKey(fingerprint: string): string {
    return `${this.config.get('REDIS_PREFIX')}:authok:${fingerprint}`;
  }

  private async isKnown(fingerprint: string): Promise<boolean> {
    if (this.knownLocally.get(fingerprint)) return true;
    // Checking a known key also extends its memory: keys in use stay known.
    const key = this.knownKey(fingerprint);
    const reply = await this.redisDown.run(() => this.redis.multi().exists(key).expire(key, KNOWN_KEY_TTL_SECONDS).exec());
    const known = reply?.[0]?.[1] === 1;
    if (known) this.knownLocally.set(fingerprint, true);
    return known;
  }

  private async remember(fingerprint: string): Promise<void> {
    this.knownLocally.set(fingerprint, true);
    await this.redisDown.run(() => this.redis.set(this.knownKey(fingerprint), '1', 'EX', KNOWN_KEY_TTL_SECONDS));
  }

  private async forget(fingerprint: string, failures: MinuteCounter, bucket: string): Promise<void> {
    this.knownLocally.delete(fingerprint);
    await this.redisDown.run(() => Promise.all([this.redis.del(this.knownKey(fingerprint)), failures.penalty(bucket)]));
  }
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
