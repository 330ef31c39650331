import type { Logger } from '@nestjs/common';

/** How long a request waits for a limiter's Redis step before going on without it. */
const STEP_TIMEOUT_MS = 250;
const WARNING_INTERVAL_MS = 60_000;

/**
 * Runs the Redis steps of a limiter so that losing Redis never takes the API down with it: a step that
 * fails or does not answer within 250 ms yields null, and the failure is logged at most once a minute.
 */
export class FailOpen {
  private lastWarning = -Infinity;

  constructor(
    private readonly logger: Logger,
    /** What the log line says happens meanwhile ("rate limiter unavailable, allowing requests"). */
    private readonly consequence: string,
    private readonly timeoutMs = STEP_TIMEOUT_MS,
  ) {}

  async run<T>(step: () => Promise<T>): Promise<T | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        step(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('redis timeout')), this.timeoutMs);
        }),
      ]);
    } catch (err) {
      const now = performance.now();
      if (now - this.lastWarning > WARNING_INTERVAL_MS) {
        this.logger.warn(`${this.consequence}: ${(err as Error).message}`);
        this.lastWarning = now;
      }
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}
