import type Redis from 'ioredis';
import { AppConfig } from '@greenlight/config';
import { RateLimiter } from './rate-limiter';

/**
 * Stands in for ioredis where the limiter's counting script runs: counts per Redis key, a window with
 * 42.3 s left, or no answer at all.
 */
class FakeRedis {
  status = 'ready';
  hang = false;
  readonly counts = new Map<string, number>();

  defineCommand(name: string): void {
    (this as unknown as Record<string, unknown>)[name] = ([key, points]: string[]) => {
      if (this.hang) return new Promise(() => undefined);
      const count = (this.counts.get(key) ?? 0) + Number(points);
      this.counts.set(key, count);
      return Promise.resolve([count, 42_300]);
    };
  }
}

function limiter(env: Record<string, string> = {}): { limiter: RateLimiter; redis: FakeRedis } {
  const redis = new FakeRedis();
  return { limiter: new RateLimiter(redis as unknown as Redis, AppConfig.fromEnv({ REDIS_PREFIX: 'rl-test', ...env })), redis };
}

describe('RateLimiter', () => {
  it('counts per key under the Redis prefix and answers limit, remaining and the seconds left in the window', async () => {
    const { limiter: l, redis } = limiter({ API_RATE_LIMIT_PER_MINUTE: '2' });
    expect(await l.consume('key-a', null)).toEqual({ allowed: true, limit: 2, remaining: 1, reset_seconds: 43 });
    expect(await l.consume('key-a', null)).toEqual({ allowed: true, limit: 2, remaining: 0, reset_seconds: 43 });
    expect(await l.consume('key-a', null)).toEqual({ allowed: false, limit: 2, remaining: 0, reset_seconds: 43 });
    expect(await l.consume('key-b', null)).toMatchObject({ allowed: true, remaining: 1 });
    expect([...redis.counts]).toEqual([
      ['rl-test:ratelimit:key-a', 3],
      ['rl-test:ratelimit:key-b', 1],
    ]);
  });

  it("applies a key's own limit, and keeps the count when that limit changes", async () => {
    const { limiter: l } = limiter({ API_RATE_LIMIT_PER_MINUTE: '2' });
    expect(await l.consume('key-a', 5)).toMatchObject({ allowed: true, limit: 5, remaining: 4 });
    expect(await l.consume('key-a', 1)).toMatchObject({ allowed: false, limit: 1, remaining: 0 });
  });

  it('is off at 0', async () => {
    const { limiter: l, redis } = limiter({ API_RATE_LIMIT_PER_MINUTE: '0' });
    expect(await l.consume('key-a', null)).toBeNull();
    expect(redis.counts.size).toBe(0);
  });

  it('lets the request through when Redis does not answer within 250 ms', async () => {
    const { limiter: l, redis } = limiter();
    redis.hang = true;
    const started = performance.now();
    expect(await l.consume('key-a', null)).toBeNull();
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('lets the request through at once while Redis reconnects', async () => {
    const { limiter: l, redis } = limiter();
    redis.status = 'reconnecting';
    redis.hang = true;
    const started = performance.now();
    expect(await l.consume('key-a', null)).toBeNull();
    expect(performance.now() - started).toBeLessThan(200);
  });
});
