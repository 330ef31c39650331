/**
 * The cases one worker process executes at once: EVAL_WORKER_CONCURRENCY permits. An active chunk job
 * runs its cases one by one on a permit it waits for, first come first served. A permit that is idle
 * with nobody waiting may also be *borrowed* by a chunk to run its next case alongside. So when fewer
 * chunks than permits have a case to run (the last chunks of a run, chunks loading cases or writing
 * results) the idle permits still execute cases, and a chunk that needs a permit waits at most for the
 * current case of a borrower.
 */
export class CasePermits {
  private used = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly size: number) {}

  get inUse(): number {
    return this.used;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** A permit, waiting in line for one when none is idle. */
  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** A permit if one is idle and nobody is waiting for one; never waits. */
  tryAcquire(): boolean {
    if (this.used >= this.size || this.waiters.length > 0) return false;
    this.used++;
    return true;
  }

  release(): void {
    const next = this.waiters.shift();
    if (next)
      next(); // handed over, so still in use
    else this.used--;
  }
}
