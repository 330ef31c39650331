import type { CaseOutcome } from './execution.types';

/** A synchronous execution writes its outcomes once this many are waiting ... */
export const PROGRESSIVE_BATCH = 50;
/** ... or once the oldest has waited this long, whichever comes first. */
export const PROGRESSIVE_MAX_WAIT_MS = 500;

/**
 * The outcomes of an execution that keeps no job of its own (the synchronous execute), written as its
 * cases finish rather than page by page: should the process die mid-run, everything but the last
 * half second or PROGRESSIVE_BATCH cases is stored, and a resumed run skips it. Writes go one after
 * another; the first one that fails is reported by `check` and `drain`.
 */
export class ProgressiveWrites {
  private waiting: CaseOutcome[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private failure: { err: unknown } | null = null;

  constructor(
    private readonly store: (outcomes: CaseOutcome[]) => Promise<unknown>,
    private readonly batch = PROGRESSIVE_BATCH,
    private readonly maxWaitMs = PROGRESSIVE_MAX_WAIT_MS,
  ) {}

  add(outcome: CaseOutcome): void {
    this.waiting.push(outcome);
    if (this.waiting.length >= this.batch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.maxWaitMs);
  }

  /** Throws the error of a write that failed, so the execution stops instead of computing more. */
  check(): void {
    if (this.failure) throw this.failure.err;
  }

  /** Writes what is waiting and resolves once every write is committed (or throws the first failure). */
  async drain(): Promise<void> {
    this.flush();
    await this.writing;
    this.check();
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const outcomes = this.waiting;
    if (outcomes.length === 0) return;
    this.waiting = [];
    this.writing = this.writing.then(async () => {
      if (this.failure) return;
      try {
        await this.store(outcomes);
      } catch (err) {
        this.failure = { err };
      }
    });
  }
}
