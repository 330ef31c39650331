import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { AppConfig } from '@greenlight/config';
import { dropDatabase, ensureDatabase, runMigrations } from '@greenlight/database';
import { redisOptionsFromUrl } from '@greenlight/queue';

export interface TestEnvironment {
  DATABASE_URL: string;
  REDIS_URL: string;
  REDIS_PREFIX: string;
}

/**
 * A private world for one test run: a fresh database (migrated) on the Postgres server of
 * DATABASE_URL (or the local default) and a Redis key prefix no other run uses.
 */
export async function createTestEnvironment(base: NodeJS.ProcessEnv = process.env): Promise<TestEnvironment> {
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const server = new URL(base.TEST_DATABASE_SERVER_URL ?? base.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  server.pathname = `/greenlight_test_${runId}`;
  const env: TestEnvironment = {
    DATABASE_URL: server.toString(),
    REDIS_URL: base.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `gltest_${runId}`,
  };
  await ensureDatabase(env.DATABASE_URL);
  await runMigrations(AppConfig.fromEnv({ ...base, ...env }));
  return env;
}

/** Drops the run's database and deletes every Redis key under its prefix (and the per-file prefixes derived from it). */
export async function destroyTestEnvironment(env: TestEnvironment): Promise<void> {
  await dropDatabase(env.DATABASE_URL);
  const redis = new Redis({ ...redisOptionsFromUrl(env.REDIS_URL), lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${env.REDIS_PREFIX}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
