import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { ErrorCode, runTrials } from '@greenlight/contracts';
import { EvalRunEntity } from '@greenlight/database';
import { Clock } from '@greenlight/platform';
import { CaseRunner } from '../execution/case-runner';
import type { RunContext } from '../execution/execution.types';
import { RunFinisher } from '../execution/run-finisher';
import { RunEventLog } from '../lifecycle/run-event-log';
import { RunLifecycle } from '../lifecycle/run-lifecycle';
import { isLiveJobState } from './job-ids';
import { RunQueueService } from './run-queue.service';

/**
 * What settling a run did: it was finished, resumed under a new epoch (a running run) or requeued (a
 * pending one), or it had moved on already.
 */
export type SettleOutcome = 'completed' | 'failed' | 'resumed' | 'requeued' | 'skipped';

export interface RecoveredRun {
  run_id: string;
  org_id: string;
  outcome: SettleOutcome;
}

/**
 * Brings a queued run to its end when its own jobs cannot: Redis lost them (restarted without
 * persistence), or a chunk failed for good for a reason that is not the agent's. A run with a result
 * for every case is finished; otherwise it is resumed (a new epoch whose chunks skip the cases that
 * have a result), at most EVAL_RUN_MAX_RESUMES times since it was last started; after that it fails
 * with EVAL_RUN_INFRASTRUCTURE_ERROR. Cases that were never executed are never recorded as the
 * agent's errors, so the rates of a completed run only ever count real answers.
 *
 * Every worker sweeps for such runs every EVAL_RUN_RECOVERY_INTERVAL_MS; the stale-run reaper of
 * queue maintenance uses the same path. Moves are compare-and-set on the run's epoch, so several
 * workers sweeping at once resume a run once.
 */
@Injectable()
export class RunRecoveryService {
  private readonly logger = new Logger('RunRecovery');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly lifecycle: RunLifecycle,
    private readonly runner: CaseRunner,
    private readonly finisher: RunFinisher,
    private readonly eventLog: RunEventLog,
    private readonly queue: RunQueueService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * True when the run is pending or running at an epoch that was handed to the queue, and neither the
   * start nor the finalize job of that epoch is queued, running or waiting for its chunks: nobody will
   * execute or finish it. (A synchronous execute keeps no job; it is not this service's to judge.)
   */
  async isOrphaned(run: EvalRunEntity): Promise<boolean> {
    if ((run.status !== 'running' && run.status !== 'pending') || !(await this.eventLog.isQueuedEpoch(run))) return false;
    const jobs = await this.queue.epochJobStates(run);
    return !isLiveJobState(jobs.start) && !isLiveJobState(jobs.finalize);
  }

  /**
   * One pass over queued and running runs that made no progress for `idleMs`: each orphaned one is
   * settled (running) or requeued (pending: its start job was lost before it ran). Errors (Postgres or
   * Redis unreachable) end the pass; the next one tries again.
   */
  async sweep(idleMs: number, limit = 100): Promise<RecoveredRun[]> {
    const rows: EvalRunEntity[] = await this.db.query(
      `SELECT * FROM eval_runs
       WHERE status IN ('pending', 'running') AND queue_epoch > 0 AND updated_at < $3::timestamptz - make_interval(secs => $1)
       ORDER BY updated_at, id LIMIT $2`,
      [idleMs / 1000, limit, this.clock.date()],
    );
    const out: RecoveredRun[] = [];
    for (const run of rows) {
      if (!(await this.isOrphaned(run))) continue;
      const outcome = run.status === 'pending' ? await this.requeueLostStart(run) : await this.settle(run, 'jobs_lost');
      if (outcome !== 'skipped') out.push({ run_id: run.id, org_id: run.org_id, outcome });
    }
    return out;
  }

  private async requeueLostStart(run: EvalRunEntity): Promise<SettleOutcome> {
    try {
      await this.queue.requeue(run, { reason: 'jobs_lost' });
      return 'requeued';
    } catch (err) {
      this.logger.debug(`run ${run.id} moved on before it could be requeued: ${(err as Error).message}`);
      return 'skipped';
    }
  }

  /**
   * Ends or resumes a running run at its current epoch. `ctx` is the context of the execution that
   * asks (finalize), so the execution summary keeps its judge-cache counts.
   */
  async settle(run: EvalRunEntity, reason: 'jobs_lost' | 'cases_not_executed', ctx?: RunContext): Promise<SettleOutcome> {
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM eval_results WHERE run_id = $1`, [run.id]);
    const missing = Math.max(0, run.total_cases - Number(n));
    if (missing === 0) return this.finishFromResults(run, ctx, reason);

    const max = this.config.get('EVAL_RUN_MAX_RESUMES');
    const resumes = await this.eventLog.resumesSinceStart(run.id);
    if (resumes < max) {
      const epoch = await this.queue.resume(run, { reason, missing_cases: missing, resume: resumes + 1, max_resumes: max });
      if (epoch === null) return 'skipped';
      this.logger.warn(
        `run ${run.id}: ${missing} case(s) without a result and no job to execute them (${reason}); resumed as epoch ${epoch} (${resumes + 1}/${max})`,
      );
      return 'resumed';
    }
    const why = reason === 'jobs_lost' ? 'its jobs were lost' : 'its chunks failed for reasons other than the agent';
    const unit = runTrials(run.config) > 1 ? 'case trials' : 'cases';
    const message = `${missing} of ${run.total_cases} ${unit} could not be executed: ${why}, and it was resumed ${resumes} time(s) already. No verdict on the agent; start the run again to execute the missing cases.`;
    try {
      await this.lifecycle.fail(
        run.id,
        run.queue_epoch,
        { code: ErrorCode.EVAL_RUN_INFRASTRUCTURE_ERROR, reason: message },
        { details: { reason, missing_cases: missing, resumes } },
      );
      return 'failed';
    } catch (err) {
      this.logger.debug(`run ${run.id} moved on before it could be failed: ${(err as Error).message}`);
      return 'skipped';
    }
  }

  /** Every case has a result: the run gets its terminal state from them (see RunFinisher). */
  private async finishFromResults(run: EvalRunEntity, ctx: RunContext | undefined, reason: string): Promise<SettleOutcome> {
    const context = ctx ?? { ...this.runner.prepare(run), epoch: run.queue_epoch };
    const now = this.clock.now();
    const started = run.started_at ? new Date(run.started_at).getTime() : now;
    try {
      const finished = await this.finisher.finishFromResults(context, now - started, { missing_cases: 0, ...(ctx ? {} : { settled_by: reason }) });
      return finished.status === 'completed' ? 'completed' : 'failed';
    } catch (err) {
      if (ctx) throw err; // finalize: its job retries
      this.logger.debug(`run ${run.id} moved on before it could be finished: ${(err as Error).message}`);
      return 'skipped';
    }
  }
}
