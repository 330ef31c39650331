/**
 * A tiny client for the scripts (demo, benchmarks): calls the API with a key and unwraps the envelope.
 * It is a good citizen of the API's rate limit: it remembers the `RateLimit-*` headers of the last answer
 * (so callers can pace themselves, see `budget`) and, answered 429, waits as long as `Retry-After` says
 * and tries again instead of failing. The limit is checked before any handler runs, so repeating a
 * refused POST cannot do it twice.
 */
export interface RateBudget {
  limit: number;
  remaining: number;
  /** When the current window ends, in ms from now (at least 0). */
  reset_in_ms: number;
}

export interface ApiCallerOptions {
  /** Longest total wait on 429 answers for one call before it fails (default 65 s: one window and a bit). */
  maxRateWaitMs?: number;
  /** Told about every wait on a 429, e.g. to show it. */
  onRateLimited?: (waitMs: number, method: string, path: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface ApiCaller {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the scripts read answers of the API as untyped JSON.
  <T = any>(method: string, path: string, body?: unknown): Promise<T>;
  /** What the last answer said about the key's rate limit; null when no limit applies (or nothing was asked yet). */
  budget(): RateBudget | null;
}

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Seconds of a `Retry-After` header (delta seconds or an HTTP date), or null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function apiCaller(base: string, key: string, opts: ApiCallerOptions = {}): ApiCaller {
  const sleep = opts.sleep ?? sleepMs;
  const maxWait = opts.maxRateWaitMs ?? 65_000;
  let last: { limit: number; remaining: number; reset_at: number } | null = null;

  const remember = (res: Response) => {
    const limit = Number(res.headers.get('ratelimit-limit'));
    const remaining = Number(res.headers.get('ratelimit-remaining'));
    const reset = Number(res.headers.get('ratelimit-reset'));
    if (res.headers.get('ratelimit-limit') === null || !Number.isFinite(limit) || !Number.isFinite(remaining)) {
      last = null;
      return;
    }
    last = { limit, remaining, reset_at: Date.now() + (Number.isFinite(reset) ? reset * 1000 : 60_000) };
  };

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as ApiCaller above.
  const call = async function call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    let waited = 0;
    for (;;) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      remember(res);
      const json = (await res.json().catch(() => ({}))) as { data?: T; error?: { code: string; message: string } };
      if (res.status === 429) {
        // Wait for the window to reset (plus a little, the server's clock is not ours), then try again.
        const wait = (retryAfterMs(res.headers.get('retry-after')) ?? 1000) + 250;
        if (waited + wait <= maxWait) {
          opts.onRateLimited?.(wait, method, path);
          await sleep(wait);
          waited += wait;
          continue;
        }
      }
      if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${json.error?.code}: ${json.error?.message}`);
      return json.data as T;
    }
  } as ApiCaller;
  call.budget = () => (last ? { limit: last.limit, remaining: last.remaining, reset_in_ms: Math.max(0, last.reset_at - Date.now()) } : null);
  return call;
}

/**
 * How long a poller should wait before its next call: `baseMs` (its own rhythm), stretched so the
 * calls left in the window (minus `reserve` kept for what follows the polling) last until the window
 * resets; when none are left, until the reset itself.
 */
export function pacedDelay(baseMs: number, budget: RateBudget | null, reserve: number): number {
  if (!budget) return baseMs;
  const spare = budget.remaining - reserve;
  if (spare <= 0) return Math.max(baseMs, budget.reset_in_ms + 250);
  return Math.max(baseMs, Math.ceil(budget.reset_in_ms / spare));
}
