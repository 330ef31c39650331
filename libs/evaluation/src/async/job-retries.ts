import { isInfrastructureError } from './infrastructure-errors';

/** Exponential backoff with a cap: `base · 2^(attempt-1)`, at most `max`, with ±20 % jitter. */
export function cappedBackoff(attemptsMade: number, baseMs: number, maxMs: number): number {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(raw * (0.8 + Math.random() * 0.4));
}

/** What InfrastructureWaits needs to know of a job. */
export interface WaitingJob {
  id?: string;
  /** When the job was created (ms since the epoch). */
  timestamp: number;
}

/** Jobs remembered at most; a job forgotten starts its backoff over, nothing worse. */
const MAX_TRACKED = 10_000;

/**
 * A run job that failed because our infrastructure did (Postgres or Redis unreachable, a query timing
 * out) is not the agent's failure and must not use up the job's attempts: it waits, with capped
 * exponential backoff (EVAL_WORKER_BACKOFF_MS doubling up to EVAL_WORKER_INFRA_RETRY_MAX_MS), and tries
 * again, however long the outage lasts, until the job is older than the run's maximum runtime (then
 * it fails like any other error, and the runtime guard ends the run). The backoff is counted per job in
 * this process.
 */
export class InfrastructureWaits {
  private readonly waits = new Map<string, number>();

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly maxAgeMs: number,
    /** The time job ages are measured on (pass the injected Clock's). */
    private readonly clock: () => number = Date.now,
  ) {}

  /** How long the job should wait before trying again, or null when the error is not ours to wait out. */
  delayFor(job: WaitingJob, err: unknown, now = this.clock()): number | null {
    if (!isInfrastructureError(err) || now - job.timestamp > this.maxAgeMs) {
      this.settled(job);
      return null;
    }
    const key = String(job.id);
    const n = (this.waits.get(key) ?? 0) + 1;
    this.waits.delete(key);
    this.waits.set(key, n);
    if (this.waits.size > MAX_TRACKED) this.waits.delete(this.waits.keys().next().value!);
    return cappedBackoff(n, this.baseMs, this.maxMs);
  }

  /** The job finished (or failed on its own account): its next outage starts the backoff over. */
  settled(job: WaitingJob): void {
    if (this.waits.size > 0) this.waits.delete(String(job.id));
  }

  get tracked(): number {
    return this.waits.size;
  }
}
