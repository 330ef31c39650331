import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS_CLIENT } from '@greenlight/queue';

/**
 * BullMQ loses jobs silently if Redis evicts keys under memory pressure, so the worker checks that
 * `maxmemory-policy` is `noeviction` at boot and complains loudly if it is not. It also says when Redis
 * keeps no append-only file: a restart then loses the jobs written since the last snapshot (all of
 * them without snapshots). The job schedulers come back by themselves; the jobs do not.
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
    await this.checkPersistence();
  }

  private async checkPersistence(): Promise<void> {
    try {
      const aof = ((await this.redis.config('GET', 'appendonly')) as string[])[1];
      if (aof === 'yes') return;
      const save = ((await this.redis.config('GET', 'save')) as string[])[1] ?? '';
      this.logger.warn(
        `Redis appendonly is "${aof ?? 'unknown'}" (save "${save}"): a Redis restart loses ${save ? 'the jobs written since its last snapshot' : 'every job'}. ` +
          'In production run Redis with appendonly yes (see README, Production Redis).',
      );
    } catch {
      // Managed Redis often refuses CONFIG; the README says what to set.
    }
  }
}
