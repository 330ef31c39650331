import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS_CLIENT } from '@greenlight/queue';

/**
 * BullMQ loses jobs silently if Redis evicts keys under memory pressure, so the worker checks that
 * `maxmemory-policy` is `noeviction` at boot and complains loudly if it is not.
 */
@Injectable()
export class RedisPolicyCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('RedisPolicyCheck');
  policy: string | null = null;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      const reply = (await this.redis.config('GET', 'maxmemory-policy')) as string[];
      this.policy = reply[1] ?? null;
    } catch (err) {
      this.logger.warn(`could not read Redis maxmemory-policy (${(err as Error).message}); make sure it is noeviction`);
      return;
    }
    if (this.policy !== 'noeviction') {
      const bar = '!'.repeat(78);
      this.logger.error(
        `\n${bar}\nRedis maxmemory-policy is "${this.policy}", not "noeviction".\n` +
          `Under memory pressure Redis will evict queue keys and jobs will be LOST.\n` +
          `Fix: redis-cli CONFIG SET maxmemory-policy noeviction (and set it in redis.conf).\n${bar}`,
      );
    } else {
      this.logger.log('Redis maxmemory-policy is noeviction');
    }
  }
}
