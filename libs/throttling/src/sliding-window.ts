import type Redis from 'ioredis';

/**
 * Sliding-window limits kept in Redis, so that every process sharing the Redis prefix shares them.
 *
 * Each grant is logged with the Redis server's clock (one clock for every process) and stays counted
 * for `hold_ms` (the window plus a guard). A new call is granted only if, counting it, no more than
 * `max_calls` grants and `max_tokens` reserved tokens fall within the last `hold_ms`: so any span of
 * the window's length, anywhere in time, holds at most that many calls. A fixed-window counter
 * cannot promise that (it lets twice the limit through across a window boundary).
 *
 * A pause key set from a provider's Retry-After holds back every grant until it expires.
 */
export interface WindowKeys {
  calls: string;
  tokens: string;
  amounts: string;
  total: string;
  pause: string;
}

export interface WindowLimit {
  /** Calls per window; 0 = not limited. */
  max_calls: number;
  /** Tokens per window; 0 = not limited. */
  max_tokens: number;
  /** How long a grant stays counted: the window plus the guard. */
  hold_ms: number;
}

export interface WindowAttempt {
  granted: boolean;
  /** When not granted: how long until a grant can succeed (a pause or the oldest grant leaving the window). */
  retry_in_ms: number;
  /** Why not granted. */
  blocked_by: 'pause' | 'calls' | 'tokens' | null;
  /** When granted: the grant's time on Redis's clock (ms since the epoch), the time the window counts. */
  granted_at_ms?: number;
}

/**
 * KEYS: calls zset, tokens zset, token amounts hash, token total, pause.
 * ARGV: max calls, max tokens, hold ms, tokens wanted, grant id.
 * Answers {1, Redis time of the grant in ms, ''} when granted, else {0, ms until it may succeed, reason}.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = redis.call('PTTL', KEYS[5])
if paused > 0 then return {0, paused, 'pause'} end
local maxCalls = tonumber(ARGV[1])
local maxTokens = tonumber(ARGV[2])
local hold = tonumber(ARGV[3])
local want = tonumber(ARGV[4])
local edge = now - hold
local wait = 0
local reason = ''
if maxCalls > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', edge)
  local count = redis.call('ZCARD', KEYS[1])
  if count >= maxCalls then
    local leaving = redis.call('ZRANGE', KEYS[1], count - maxCalls, count - maxCalls, 'WITHSCORES')
    wait = tonumber(leaving[2]) + hold - now
    reason = 'calls'
  end
end
if maxTokens > 0 then
  local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', edge)
  for _, id in ipairs(gone) do
    redis.call('INCRBY', KEYS[4], -tonumber(redis.call('HGET', KEYS[3], id) or '0'))
    redis.call('HDEL', KEYS[3], id)
  end
  if #gone > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', edge) end
  local used = tonumber(redis.call('GET', KEYS[4]) or '0')
  if used < 0 or redis.call('ZCARD', KEYS[2]) == 0 then
    used = 0
    redis.call('SET', KEYS[4], 0)
  end
  if used > 0 and used + want > maxTokens then
    local entries = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
    local freed = 0
    local freeAt = now
    for i = 1, #entries, 2 do
      freed = freed + tonumber(redis.call('HGET', KEYS[3], entries[i]) or '0')
      freeAt = tonumber(entries[i + 1])
      if used - freed + want <= maxTokens or used - freed <= 0 then break end
    end
    local w = freeAt + hold - now
    if w > wait then
      wait = w
      reason = 'tokens'
    end
  end
end
if wait > 0 then return {0, wait, reason} end
if maxCalls > 0 then
  redis.call('ZADD', KEYS[1], now, ARGV[5])
  redis.call('PEXPIRE', KEYS[1], hold)
end
if maxTokens > 0 then
  redis.call('ZADD', KEYS[2], now, ARGV[5])
  redis.call('HSET', KEYS[3], ARGV[5], want)
  redis.call('INCRBY', KEYS[4], want)
  redis.call('PEXPIRE', KEYS[2], hold)
  redis.call('PEXPIRE', KEYS[3], hold)
  redis.call('PEXPIRE', KEYS[4], hold)
end
return {1, now, ''}
`;

/** KEYS: token amounts hash, token total. ARGV: grant id, actual tokens. Answers the change applied (0 when the grant left the window). */
const RECONCILE = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return 0 end
local delta = tonumber(ARGV[2]) - tonumber(old)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('INCRBY', KEYS[2], delta)
return delta
`;

/** KEYS: pause. ARGV: ms. Extends the pause to `ms` from now unless it already lasts longer; answers 1 when set. */
const PAUSE = `
local left = redis.call('PTTL', KEYS[1])
if left >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return 1
`;

type ScriptedRedis = Redis & {
  throttleAcquire(...args: (string | number)[]): Promise<[number, number, string]>;
  throttleReconcile(...args: (string | number)[]): Promise<number>;
  throttlePause(...args: (string | number)[]): Promise<number>;
};

/** The Redis side of the shared limits: one atomic script per step. */
export class SlidingWindow {
  private readonly redis: ScriptedRedis;

  constructor(redis: Redis) {
    const r = redis as ScriptedRedis;
    // defineCommand is idempotent per name on one client; every step runs by EVALSHA with a fallback.
    if (typeof r.throttleAcquire !== 'function') {
      r.defineCommand('throttleAcquire', { numberOfKeys: 5, lua: ACQUIRE });
      r.defineCommand('throttleReconcile', { numberOfKeys: 2, lua: RECONCILE });
      r.defineCommand('throttlePause', { numberOfKeys: 1, lua: PAUSE });
    }
    this.redis = r;
  }

  /** Tries to take one call (and `tokens` tokens) under `limit` now. */
  async tryAcquire(keys: WindowKeys, limit: WindowLimit, tokens: number, id: string): Promise<WindowAttempt> {
    const [granted, retryIn, reason] = await this.redis.throttleAcquire(
      keys.calls,
      keys.tokens,
      keys.amounts,
      keys.total,
      keys.pause,
      limit.max_calls,
      limit.max_tokens,
      limit.hold_ms,
      Math.max(0, Math.ceil(tokens)),
      id,
    );
    if (granted === 1) return { granted: true, retry_in_ms: 0, blocked_by: null, granted_at_ms: Number(retryIn) };
    return { granted: false, retry_in_ms: Math.max(1, Number(retryIn)), blocked_by: (reason || 'calls') as WindowAttempt['blocked_by'] };
  }

  /** Replaces a grant's token estimate with what the call actually used; answers the change. */
  async reconcile(keys: WindowKeys, id: string, actualTokens: number): Promise<number> {
    return Number(await this.redis.throttleReconcile(keys.amounts, keys.total, id, Math.max(0, Math.ceil(actualTokens))));
  }

  /** Holds back every grant under `keys` for `ms` from now (a longer pause already set is kept). */
  async pause(keys: WindowKeys, ms: number): Promise<boolean> {
    return (await this.redis.throttlePause(keys.pause, Math.ceil(ms))) === 1;
  }

  /** Milliseconds left of the pause under `keys` (0 when none). */
  async pausedFor(keys: WindowKeys): Promise<number> {
    return Math.max(0, await this.redis.pttl(keys.pause));
  }
}

/** The Redis keys of one limited target (a judge model, an agent), under the instance's prefix. */
export function windowKeys(prefix: string, target: string): WindowKeys {
  const base = `${prefix}:throttle:${target}`;
  return { calls: `${base}:calls`, tokens: `${base}:tokens`, amounts: `${base}:token-amounts`, total: `${base}:token-total`, pause: `${base}:pause` };
}
