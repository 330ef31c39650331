import type { DataSource } from 'typeorm';
import type { EvalRunEntity } from '@greenlight/database';
import type { RunContext } from '../execution/execution.types';
import { preparedQuery } from '../execution/prepared-query';

/** What decides whether an execution may go on with a run. */
export type RunState = Pick<EvalRunEntity, 'id' | 'status' | 'queue_epoch' | 'started_at'>;

/**
 * How stale a run's status may be when a chunk starts a case: the cooperative-cancellation delay. One
 * read per run and interval is shared by every chunk of the run in this process.
 */
export const RUN_STATE_MAX_AGE_MS = 200;

/** Runs whose state this process remembers at most (older entries are dropped first). */
const MAX_REMEMBERED = 1000;

/** A run's state as read (or being read) for every chunk of the run in this process. */
interface StateEntry {
  at: number;
  state: Promise<RunState | null>;
  /** Set once the read has answered, so a fresh answer can be used without waiting on the promise. */
  settled: boolean;
  value: RunState | null;
}

/**
 * The worker's view of its runs' states: every chunk checks before each case whether its run still
 * runs at its epoch, and one read per run and RUN_STATE_MAX_AGE_MS answers all of them. Ages are
 * measured on the monotonic clock: this is a cache's freshness, not a product rule.
 */
export class RunStateCache {
  private readonly states = new Map<string, StateEntry>();

  constructor(private readonly db: DataSource) {}

  /** The run's state read at most `maxAgeMs` ago (0: a fresh read). */
  recent(runId: string, maxAgeMs = RUN_STATE_MAX_AGE_MS): Promise<RunState | null> {
    const now = performance.now();
    const cached = this.states.get(runId);
    if (cached && now - cached.at < maxAgeMs) return cached.state;
    const state = readRunState(this.db, runId);
    const entry: StateEntry = { at: now, state, settled: false, value: null };
    state.then(
      (value) => {
        entry.value = value;
        entry.settled = true;
      },
      () => this.states.get(runId) === entry && this.states.delete(runId),
    );
    if (this.states.size > MAX_REMEMBERED) {
      for (const [id, e] of this.states) if (now - e.at >= RUN_STATE_MAX_AGE_MS) this.states.delete(id);
    }
    this.states.set(runId, entry);
    return state;
  }

  /**
   * The run's state for a job of `epoch`. A cached state may say "go on" although the run stopped
   * (for at most RUN_STATE_MAX_AGE_MS: the cancellation delay), but never "stop" although it runs: a
   * state read before this epoch's start moved the run to running would make its chunks skip their
   * cases for good, so a cached state that says stop is read again.
   */
  async forEpoch(runId: string, epoch: number): Promise<RunState | null> {
    const state = await this.recent(runId);
    if (isRunningAt(state, epoch)) return state;
    return this.recent(runId, 0);
  }

  /**
   * True while the run is still running at the context's epoch (not cancelled, restarted or finished).
   * Answers synchronously when the cached state is fresh, read and says so (what `forEpoch` would
   * answer at once); every other case, a stop included, goes through `forEpoch`.
   */
  mayGoOn(ctx: RunContext): boolean | Promise<boolean> {
    const cached = this.states.get(ctx.run.id);
    if (cached?.settled && performance.now() - cached.at < RUN_STATE_MAX_AGE_MS && isRunningAt(cached.value, ctx.epoch)) return true;
    return this.forEpoch(ctx.run.id, ctx.epoch).then((state) => isRunningAt(state, ctx.epoch));
  }

  /** Drops what is remembered of the run (it just moved). */
  forget(runId: string): void {
    this.states.delete(runId);
  }
}

function isRunningAt(state: RunState | null, epoch: number): boolean {
  return state !== null && state.status === 'running' && state.queue_epoch === epoch;
}

/** A run's status, queue epoch and start, as a prepared statement (it runs for every chunk). */
async function readRunState(db: DataSource, runId: string): Promise<RunState | null> {
  const [row] = await preparedQuery<RunState>(db, 'greenlight_run_state', `SELECT id, status, queue_epoch, started_at FROM eval_runs WHERE id = $1`, [runId]);
  return row ?? null;
}
