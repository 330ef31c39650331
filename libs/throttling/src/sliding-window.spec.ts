import { setMaxListeners } from 'node:events';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { SharedLimiter, ThrottleWaitError } from './shared-limiter';
import { SlidingWindow, windowKeys } from './sliding-window';

/** Against the real Redis of the test machine, under a prefix of this file's own. */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `throttle-spec-${process.pid}-${Date.now().toString(36)}`;
const quiet = new Logger('throttle-spec');
quiet.warn = () => undefined;

let clients: Redis[] = [];
const client = () => {
  const c = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  clients.push(c);
  return c;
};
let target = 0;
const freshKeys = () => windowKeys(PREFIX, `t${++target}`);

afterAll(async () => {
  const keys = await clients[0].keys(`${PREFIX}:*`);
  if (keys.length) await clients[0].del(...keys);
  await Promise.all(clients.map((c) => c.quit()));
  clients = [];
});

/** The largest number of times that fall within any span of `span` ms (half-open), anywhere. */
function busiestSpan(times: number[], span: number): number {
  const t = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] >= span) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('SlidingWindow and SharedLimiter against Redis', () => {
  it('several clients together never get more than the limit in any span of the window, and do get close to it', async () => {
    const LIMIT = 5;
    const WINDOW = 400;
    const GUARD = 40;
    const RUN_MS = 2400;
    const keys = freshKeys();
    const grants: number[] = [];
    const stopAt = Date.now() + RUN_MS;
    const stop = new AbortController();
    setMaxListeners(50, stop.signal);
    setTimeout(() => stop.abort(), RUN_MS);
    // Six "processes", each with its own connection and limiter, three callers each.
    const workers = Array.from({ length: 6 }, () => new SharedLimiter(new SlidingWindow(client()), quiet));
    await Promise.all(
      workers.flatMap((limiter) =>
        Array.from({ length: 3 }, async () => {
          while (Date.now() < stopAt) {
            // The window counts grants on Redis's clock: the time a caller sees the answer can lag behind
            // it by however long its event loop is busy, which says nothing about the limiter.
            const grant = await limiter
              .acquire(keys, { max_calls: LIMIT, max_tokens: 0, hold_ms: WINDOW + GUARD }, 0, { max_wait_ms: 0, signal: stop.signal, label: 'spec' })
              .catch(() => null);
            if (grant) grants.push(grant.granted_at_ms ?? Number.NaN);
          }
        }),
      ),
    );
    // Every grant came from Redis (none went ahead unlimited because Redis did not answer in time).
    expect(grants.filter((t) => Number.isNaN(t))).toEqual([]);
    expect(busiestSpan(grants, WINDOW)).toBeLessThanOrEqual(LIMIT);
    // Held back, not starved: about LIMIT per (window + guard) over the run.
    expect(grants.length).toBeGreaterThanOrEqual(Math.floor((RUN_MS / (WINDOW + GUARD)) * LIMIT * 0.7));
    expect(busiestSpan(grants, WINDOW)).toBe(LIMIT);
  });

  it('a fixed-window counter would have let twice the limit through: the window slides', async () => {
    const w = new SlidingWindow(client());
    const keys = freshKeys();
    const limit = { max_calls: 3, max_tokens: 0, hold_ms: 600 };
    for (let i = 0; i < 3; i++) expect((await w.tryAcquire(keys, limit, 0, `a${i}`)).granted).toBe(true);
    const blocked = await w.tryAcquire(keys, limit, 0, 'a3');
    expect(blocked).toMatchObject({ granted: false, blocked_by: 'calls' });
    expect(blocked.retry_in_ms).toBeGreaterThan(400);
    expect(blocked.retry_in_ms).toBeLessThanOrEqual(600);
    await new Promise((r) => setTimeout(r, 350));
    // 350 ms later a fixed window of 300 ms would have reset; the sliding one still holds all three
    expect((await w.tryAcquire(keys, limit, 0, 'a4')).granted).toBe(false);
    await new Promise((r) => setTimeout(r, blocked.retry_in_ms - 350 + 20));
    expect((await w.tryAcquire(keys, limit, 0, 'a5')).granted).toBe(true);
  });

  it('reserves tokens before a call and replaces the estimate with the actual usage afterwards', async () => {
    const w = new SlidingWindow(client());
    const keys = freshKeys();
    const limit = { max_calls: 0, max_tokens: 1000, hold_ms: 5000 };
    expect((await w.tryAcquire(keys, limit, 600, 'r1')).granted).toBe(true);
    const over = await w.tryAcquire(keys, limit, 600, 'r2');
    expect(over).toMatchObject({ granted: false, blocked_by: 'tokens' });
    expect(over.retry_in_ms).toBeGreaterThan(4000);
    // the first call used 300 tokens, not the 600 reserved
    expect(await w.reconcile(keys, 'r1', 300)).toBe(-300);
    expect(await clients.at(-1)!.get(keys.total)).toBe('300');
    expect((await w.tryAcquire(keys, limit, 600, 'r2')).granted).toBe(true);
    expect(await clients.at(-1)!.get(keys.total)).toBe('900');
    // a usage above the estimate counts in full
    expect(await w.reconcile(keys, 'r2', 700)).toBe(100);
    expect(await clients.at(-1)!.get(keys.total)).toBe('1000');
    expect((await w.tryAcquire(keys, limit, 1, 'r3')).granted).toBe(false);
    // a grant that left the window (or never existed) changes nothing
    expect(await w.reconcile(keys, 'missing', 50)).toBe(0);
  });

  it('tokens leave the window with their grant, and a single call larger than the limit passes an empty window', async () => {
    const w = new SlidingWindow(client());
    const keys = freshKeys();
    const limit = { max_calls: 0, max_tokens: 100, hold_ms: 300 };
    expect((await w.tryAcquire(keys, limit, 250, 'big')).granted).toBe(true);
    expect((await w.tryAcquire(keys, limit, 10, 'small')).granted).toBe(false);
    await new Promise((r) => setTimeout(r, 320));
    expect((await w.tryAcquire(keys, limit, 10, 'small')).granted).toBe(true);
    expect(await clients.at(-1)!.get(keys.total)).toBe('10');
  });

  it('a pause holds back every grant until it ends; a shorter pause does not cut a longer one short', async () => {
    const w = new SlidingWindow(client());
    const keys = freshKeys();
    const unlimited = { max_calls: 0, max_tokens: 0, hold_ms: 1000 };
    expect((await w.tryAcquire(keys, unlimited, 0, 'p0')).granted).toBe(true);
    expect(await w.pause(keys, 500)).toBe(true);
    expect(await w.pause(keys, 100)).toBe(false);
    const held = await w.tryAcquire(keys, unlimited, 0, 'p1');
    expect(held).toMatchObject({ granted: false, blocked_by: 'pause' });
    expect(held.retry_in_ms).toBeGreaterThan(350);
    expect(await clients.at(-1)!.pttl(keys.pause)).toBeGreaterThan(350);
    const limiter = new SharedLimiter(w, quiet);
    const started = Date.now();
    const grant = await limiter.acquire(keys, unlimited, 0, { max_wait_ms: 0, label: 'spec' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(held.retry_in_ms - 60);
    expect(grant.waited_ms).toBeGreaterThan(300);
    expect(await w.pausedFor(keys)).toBe(0);
  });

  it('gives up after the longest wait, or at once when the pause outlasts it, and when cancelled', async () => {
    const w = new SlidingWindow(client());
    const limiter = new SharedLimiter(w, quiet);
    const keys = freshKeys();
    const limit = { max_calls: 1, max_tokens: 0, hold_ms: 5000 };
    await limiter.acquire(keys, limit, 0, { max_wait_ms: 100, label: 'spec' });
    const started = Date.now();
    const err = await limiter.acquire(keys, limit, 0, { max_wait_ms: 150, label: 'judge model m' }).catch((e) => e);
    expect(err).toBeInstanceOf(ThrottleWaitError);
    expect(err).toMatchObject({ kind: 'rate_limit_wait' });
    expect(err.message).toMatch(/judge model m: no slot within 150 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    const paused = freshKeys();
    await w.pause(paused, 5000);
    const quick = Date.now();
    await expect(limiter.acquire(paused, limit, 0, { max_wait_ms: 1000, label: 'spec' })).rejects.toMatchObject({ kind: 'rate_limit_wait' });
    expect(Date.now() - quick).toBeLessThan(500);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(limiter.acquire(keys, limit, 0, { max_wait_ms: 0, signal: controller.signal, label: 'spec' })).rejects.toMatchObject({
      kind: 'aborted',
    });
  });

  it('goes ahead unlimited when Redis does not answer', async () => {
    const down = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    down.on('error', () => undefined);
    const limiter = new SharedLimiter(new SlidingWindow(down), quiet);
    const grant = await limiter.acquire(freshKeys(), { max_calls: 1, max_tokens: 0, hold_ms: 1000 }, 0, { max_wait_ms: 0, label: 'spec' });
    expect(grant).toEqual({ id: null, waited_ms: expect.any(Number), granted_at_ms: null });
    down.disconnect();
  });
});
