import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiCaller, pacedDelay, retryAfterMs } from './api-call';

describe('apiCaller and the rate limit', () => {
  let server: Server;
  let base: string;
  let answers: { status: number; headers: Record<string, string> }[];
  let calls = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      calls += 1;
      const a = answers.shift() ?? { status: 200, headers: {} };
      const body = a.status === 429 ? { error: { code: 'RATE_LIMITED', message: 'slow down' } } : { data: { ok: true, call: calls } };
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    calls = 0;
  });

  it('a 429 waits as long as Retry-After says and tries again instead of failing', async () => {
    answers = [{ status: 429, headers: { 'retry-after': '1', 'ratelimit-limit': '5', 'ratelimit-remaining': '0', 'ratelimit-reset': '1' } }];
    const waits: number[] = [];
    const call = apiCaller(base, 'k', { onRateLimited: (ms) => waits.push(ms) });
    const started = Date.now();
    await expect(call('GET', '/x')).resolves.toEqual({ ok: true, call: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(waits).toEqual([1250]);
  });

  it('gives up once the waits would exceed maxRateWaitMs', async () => {
    answers = [{ status: 429, headers: { 'retry-after': '30' } }];
    const call = apiCaller(base, 'k', { maxRateWaitMs: 5_000 });
    await expect(call('GET', '/x')).rejects.toThrow(/429 RATE_LIMITED/);
    expect(calls).toBe(1);
  });

  it('remembers the RateLimit headers of the last answer', async () => {
    answers = [{ status: 200, headers: { 'ratelimit-limit': '120', 'ratelimit-remaining': '17', 'ratelimit-reset': '30' } }];
    const call = apiCaller(base, 'k');
    expect(call.budget()).toBeNull();
    await call('GET', '/x');
    expect(call.budget()).toMatchObject({ limit: 120, remaining: 17 });
    expect(call.budget()!.reset_in_ms).toBeGreaterThan(29_000);
    await call('GET', '/x'); // no headers: no limit applies
    expect(call.budget()).toBeNull();
  });

  it('retryAfterMs reads delta seconds and HTTP dates', () => {
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs(null)).toBeNull();
    expect(retryAfterMs('soon')).toBeNull();
  });

  it('pacedDelay spreads the calls left (minus a reserve) over the rest of the window', () => {
    expect(pacedDelay(250, null, 4)).toBe(250);
    expect(pacedDelay(250, { limit: 120, remaining: 104, reset_in_ms: 50_000 }, 4)).toBe(500);
    expect(pacedDelay(2000, { limit: 120, remaining: 104, reset_in_ms: 50_000 }, 4)).toBe(2000);
    // Nothing spare: wait for the reset.
    expect(pacedDelay(250, { limit: 20, remaining: 3, reset_in_ms: 12_000 }, 4)).toBe(12_250);
  });
});
