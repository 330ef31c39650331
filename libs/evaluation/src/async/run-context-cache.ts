import type { EvalRunEntity } from '@greenlight/database';
import type { RunContext } from '../execution/execution.types';

/** Contexts this process keeps at most (the oldest goes first). */
const MAX_CONTEXTS = 200;

/**
 * The context (judge with its verdict cache, executor) of each run and epoch this worker executes,
 * built once per process and shared by the run's chunks.
 */
export class RunContextCache {
  private readonly contexts = new Map<string, Promise<RunContext>>();

  constructor(
    private readonly loadRun: (runId: string) => Promise<EvalRunEntity>,
    private readonly prepare: (run: EvalRunEntity) => RunContext,
  ) {}

  /** The run's context for `epoch`; `loaded` saves the read when the caller has the row already. */
  get(runId: string, epoch: number, loaded?: EvalRunEntity): Promise<RunContext> {
    const key = `${runId}:${epoch}`;
    let ctx = this.contexts.get(key);
    if (!ctx) {
      ctx = (async () => {
        // The row may already be at a later epoch; the config is frozen, but writes must stay guarded by this one.
        const run = loaded ?? (await this.loadRun(runId));
        return { ...this.prepare(run), epoch };
      })();
      // A failure (a judge configuration error, say) is not kept: the job's retry tries again.
      ctx.catch(() => this.contexts.get(key) === ctx && this.contexts.delete(key));
      if (this.contexts.size > MAX_CONTEXTS) this.contexts.delete(this.contexts.keys().next().value!);
      this.contexts.set(key, ctx);
    }
    return ctx;
  }

  forget(runId: string, epoch: number): void {
    this.contexts.delete(`${runId}:${epoch}`);
  }
}
