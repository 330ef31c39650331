import { randomUUID } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import { SlidingWindow, WindowKeys, WindowLimit } from './sliding-window';

/** Why a call gave up waiting for its rate limit. `kind` is what callers and error mappers read. */
export class ThrottleWaitError extends Error {
  constructor(
    readonly kind: 'rate_limit_wait' | 'aborted',
    message: string,
    readonly waited_ms: number,
  ) {
    super(message);
    this.name = 'ThrottleWaitError';
  }
}

export interface Grant {
  /** The grant's id in the window (for reconciling tokens); null when Redis did not answer and the call went ahead unlimited. */
  id: string | null;
  waited_ms: number;
  /** The grant's time on Redis's clock; null when the call went ahead unlimited. */
  granted_at_ms: number | null;
}

export interface AcquireOptions {
  /** Longest wait; 0 = no cap. */
  max_wait_ms: number;
  signal?: AbortSignal;
  /** What the call is, for messages ("judge model gpt-4o-mini"). */
  label: string;
}

/** Redis steps that take longer than this are given up: the call goes ahead unlimited. */
const STEP_TIMEOUT_MS = 2000;
const WARNING_INTERVAL_MS = 60_000;
/** Waiters wake a little apart, so those held back by the same grant do not all ask at the same instant. */
const JITTER_MS = 25;
/** Longest single sleep: a lowered limit or a lifted pause is noticed at least this often. */
const MAX_SLEEP_MS = 5000;

/**
 * Waits for a slot of a shared sliding window. Losing Redis must not stop evaluations: when a step
 * fails the call goes ahead without the limit, and that is logged at most once a minute.
 */
export class SharedLimiter {
  private lastWarning = -Infinity;

  constructor(
    readonly window: SlidingWindow,
    private readonly logger: Logger,
  ) {}

  async acquire(keys: WindowKeys, limit: WindowLimit, tokens: number, opts: AcquireOptions): Promise<Grant> {
    const started = performance.now();
    const id = randomUUID();
    // A call granted at its first try did not wait (the Redis round trip is not a wait).
    let first = true;
    for (;;) {
      const waited = () => (first ? 0 : Math.round(performance.now() - started));
      if (opts.signal?.aborted) throw new ThrottleWaitError('aborted', `${opts.label}: cancelled while waiting for its rate limit`, waited());
      const attempt = await this.step(() => this.window.tryAcquire(keys, limit, tokens, id));
      if (attempt === null) return { id: null, waited_ms: waited(), granted_at_ms: null };
      if (attempt.granted) return { id, waited_ms: waited(), granted_at_ms: attempt.granted_at_ms ?? null };
      let sleep = Math.min(attempt.retry_in_ms, MAX_SLEEP_MS) + Math.floor(Math.random() * JITTER_MS);
      if (opts.max_wait_ms > 0) {
        const left = opts.max_wait_ms - (performance.now() - started);
        if (left <= 0 || (attempt.blocked_by === 'pause' && attempt.retry_in_ms > left)) {
          throw new ThrottleWaitError(
            'rate_limit_wait',
            `${opts.label}: no slot within ${opts.max_wait_ms} ms (held back by ${attempt.blocked_by ?? 'the limit'})`,
            waited(),
          );
        }
        sleep = Math.min(sleep, Math.max(1, Math.ceil(left)));
      }
      first = false;
      await sleepUnlessAborted(sleep, opts.signal);
    }
  }

  /** A Redis step, or null when Redis failed or did not answer in time (logged at most once a minute). */
  async step<T>(run: () => Promise<T>): Promise<T | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        run(),
        new Promise<never>((_, reject) => {
          // Rejected from the check phase, after the poll phase: when the whole process was stalled past the
          // timeout, an answer that arrived meanwhile is taken first instead of letting the call go unlimited.
          timer = setTimeout(() => setImmediate(() => reject(new Error('redis did not answer'))), STEP_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      const now = performance.now();
      if (now - this.lastWarning > WARNING_INTERVAL_MS) {
        this.logger.warn(`shared rate limits unavailable, calls go ahead unlimited: ${(err as Error).message}`);
        this.lastWarning = now;
      }
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}

function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
