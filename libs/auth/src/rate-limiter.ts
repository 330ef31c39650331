import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from '@greenlight/config';
import { REDIS_CLIENT } from '@greenlight/queue';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  reset_seconds: number;
}

const WINDOW_SECONDS = 60;
const REDIS_TIMEOUT_MS = 250;

/**
 * Fixed one-minute window per API key, counted in Redis so every api process shares the count.
 * If Redis does not answer quickly the request is let through: losing the limiter must not take the
 * API down with it.
 */
@Injectable()
export class RateLimiter {
  private readonly logger = new Logger('RateLimiter');
  private lastWarning = 0;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  /** Counts one request of `keyId`; `override` is the key's own limit when it has one. */
  async consume(keyId: string, override: number | null): Promise<RateDecision | null> {
    const limit = override ?? this.config.get('API_RATE_LIMIT_PER_MINUTE');
    if (limit <= 0) return null;
    const nowSeconds = Math.floor(Date.now() / 1000);
    const window = Math.floor(nowSeconds / WINDOW_SECONDS);
    const resetSeconds = WINDOW_SECONDS - (nowSeconds % WINDOW_SECONDS);
    const counterKey = `${this.config.get('REDIS_PREFIX')}:ratelimit:${keyId}:${window}`;
    let count: number;
    try {
      count = await this.increment(counterKey);
    } catch (err) {
      const now = Date.now();
      if (now - this.lastWarning > 60_000) {
        this.logger.warn(`rate limiter unavailable, allowing requests: ${(err as Error).message}`);
        this.lastWarning = now;
      }
      return null;
    }
    return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), reset_seconds: resetSeconds };
  }

  private async increment(key: string): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        this.redis
          .multi()
          .incr(key)
          .expire(key, WINDOW_SECONDS + 1)
          .exec(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('redis timeout')), REDIS_TIMEOUT_MS);
        }),
      ]);
      const [err, value] = result?.[0] ?? [new Error('empty redis reply'), null];
      if (err) throw err;
      return Number(value);
    } finally {
      clearTimeout(timer);
    }
  }
}
