import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import { AppConfig } from '@greenlight/config';
import { REDIS_CLIENT } from '@greenlight/queue';
import { FailOpen } from './fail-open';
import { MinuteCounter } from './minute-counter';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  reset_seconds: number;
}

/** Distinct per-minute limits kept ready; keys mostly share the default or a handful of own limits. */
const MAX_LIMITS = 100;

/**
 * Requests per minute per API key, counted in Redis so every api process shares the count; a key's
 * minute starts with its first request. If Redis does not answer quickly the request is let through:
 * losing the limiter must not take the API down with it.
 */
@Injectable()
export class RateLimiter {
  /** One counter per limit value; all of them count a key under the same Redis key, so a changed limit keeps the count. */
  private readonly counters = new LRUCache<number, MinuteCounter>({ max: MAX_LIMITS });
  private readonly redisDown = new FailOpen(new Logger('RateLimiter'), 'rate limiter unavailable, allowing requests');

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  /** Counts one request of `keyId`; `override` is the key's own limit when it has one. */
  async consume(keyId: string, override: number | null): Promise<RateDecision | null> {
    const limit = override ?? this.config.get('API_RATE_LIMIT_PER_MINUTE');
    if (limit <= 0) return null;
    const count = await this.redisDown.run(() => this.counterFor(limit).consume(keyId));
    if (!count) return null;
    return { allowed: count.allowed, limit, remaining: Math.max(0, limit - count.consumed), reset_seconds: count.reset_seconds };
  }

  private counterFor(limit: number): MinuteCounter {
    let counter = this.counters.get(limit);
    if (!counter) {
      counter = new MinuteCounter(this.redis, `${this.config.get('REDIS_PREFIX')}:ratelimit`, limit);
      this.counters.set(limit, counter);
    }
    return counter;
  }
}
