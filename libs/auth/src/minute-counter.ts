import type Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** Every limit of the API counts per minute. */
export const WINDOW_SECONDS = 60;

/** Where one counted request leaves its window. */
export interface WindowCount {
  /** Requests counted in the window so far, this one included. */
  consumed: number;
  /** Whole seconds until the window ends and the count starts again (1 to 60). */
  reset_seconds: number;
  /** The count is still within the limit. */
  allowed: boolean;
}

/**
 * A count per key in one-minute windows, kept in Redis so every api process shares it. Each call is
 * one atomic script in Redis (rate-limiter-flexible): the window of a key starts with its first count
 * and its counter expires with it. Errors of Redis itself are thrown; callers decide how to degrade.
 */
export class MinuteCounter {
  private readonly limiter: RateLimiterRedis;

  constructor(
    redis: Redis,
    /** Redis keys are `<keyPrefix>:<key>`. */
    keyPrefix: string,
    readonly limit: number,
  ) {
    // Not ready (reconnecting): fail at once rather than wait for a command timeout.
    this.limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix, points: limit, duration: WINDOW_SECONDS, rejectIfRedisNotReady: true });
  }

  /** Counts one request of `key`. */
  async consume(key: string): Promise<WindowCount> {
    try {
      return windowCount(await this.limiter.consume(key), true);
    } catch (err) {
      if (err instanceof RateLimiterRes) return windowCount(err, false);
      throw err;
    }
  }

  /** Counts one more against `key` without asking whether it is allowed. */
  async penalty(key: string): Promise<void> {
    await this.limiter.penalty(key);
  }

  /** Gives back one count of `key` (a request that turned out not to count). */
  async reward(key: string): Promise<void> {
    await this.limiter.reward(key);
  }
}

function windowCount(res: RateLimiterRes, allowed: boolean): WindowCount {
  return { consumed: res.consumedPoints, reset_seconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)), allowed };
}
