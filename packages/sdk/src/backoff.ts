/** How long to wait between attempts. */
export interface BackoffPolicy {
  /** Wait before the first retry, at most (full jitter picks between 0 and this). Default 250 ms. */
  baseDelayMs: number;
  /** No single wait is longer than this, Retry-After excepted. Default 20 s. */
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the error is thrown instead. Default 60 s. */
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseDelayMs: 250, maxDelayMs: 20_000, maxRetryAfterMs: 60_000 };

/**
 * Exponential backoff with full jitter: the wait before retry number `retry` (1 for the first) is
 * uniform in [0, min(maxDelayMs, baseDelayMs * 2^(retry-1))). Spreading retries over the whole window
 * keeps many clients that failed together from retrying together.
 */
export function fullJitterDelay(retry: number, policy: Pick<BackoffPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * `Retry-After` in milliseconds from now: either delay-seconds (`120`) or an HTTP date
 * (`Wed, 21 Oct 2026 07:28:00 GMT`; a date in the past means now). Anything else: null.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return null; // "-5", "1.5": neither seconds nor a date
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
