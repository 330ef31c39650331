import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '@greenlight/config';
import { redisOptionsFromUrl } from './redis-options';

export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/** Closes the shared client on shutdown. */
@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * One shared ioredis client for short commands (rate limits, health). Commands fail fast when Redis
 * is down instead of queueing forever, so a Redis outage degrades requests instead of hanging them.
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const client = new Redis({
          ...redisOptionsFromUrl(config.get('REDIS_URL')),
          maxRetriesPerRequest: 1,
          // A Redis that accepts connections but does not answer must not hold requests either.
          commandTimeout: config.get('REDIS_COMMAND_TIMEOUT_MS'),
          connectTimeout: 5000,
          retryStrategy: (times) => Math.min(times * 200, 2000),
        });
        const logger = new Logger('Redis');
        let lastError = '';
        client.on('error', (err) => {
          // ioredis emits the same error on every reconnect attempt; log each distinct one once.
          if (err.message !== lastError) logger.warn(`redis: ${err.message}`);
          lastError = err.message;
        });
        client.on('ready', () => (lastError = ''));
        return client;
      },
    },
    RedisCloser,
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule {}
