import type { RedisOptions } from 'ioredis';

/** ioredis options from a redis:// or rediss:// URL (BullMQ takes options, not URLs). */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}

/** Connection options for BullMQ queues and workers (which need maxRetriesPerRequest: null). */
export function bullConnection(url: string): RedisOptions {
  return { ...redisOptionsFromUrl(url), maxRetriesPerRequest: null };
}

/**
 * Connection options for the api's queues and flow producer: a command sent while Redis is
 * unreachable fails at once (no offline queue, one retry) and a command Redis does not answer fails
 * after `commandTimeoutMs`, so a request answers 503 instead of waiting for Redis to come back. A
 * refused command never runs later behind the caller's back.
 */
export function producerConnection(url: string, commandTimeoutMs: number): RedisOptions {
  return { ...redisOptionsFromUrl(url), enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: commandTimeoutMs };
}
