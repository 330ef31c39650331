import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { EvalRunEntity, EvalRunEventEntity, Page, PageRequest, RunStatus } from '@greenlight/database';
import { JobProducer } from '@greenlight/queue';
import { Actor } from '@greenlight/tenancy';
import { ErrorCode, QueueName } from '@greenlight/contracts';
import { DomainError } from '@greenlight/platform';
import { EvalRunsService, presentRun, RunView } from './eval-runs.service';
import { RunExecutionService } from './run-execution.service';

const LIVE_JOB_STATES = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);

/** Queued, running or waiting for its children. */
export const isLiveJobState = (state: string | null): boolean => state !== null && LIVE_JOB_STATES.has(state);

export const startJobId = (runId: string, epoch: number) => `start-${runId}-${epoch}`;
export const finalizeJobId = (runId: string, epoch: number) => `finalize-${runId}-${epoch}`;
export const chunkJobId = (runId: string, epoch: number, chunk: number) => `chunk-${runId}-${epoch}-${chunk}`;

/**
 * Failures that are ours, not the agent's or the run's configuration: reaped (its executor died), over
 * its maximum runtime, or unfinished because our infrastructure failed. Starting such a run again
 * resumes it: its results are kept and only the cases without one are executed.
 */
export const RESUMABLE_FAILURES: ReadonlySet<string> = new Set([ErrorCode.EVAL_RUN_STALE, ErrorCode.EVAL_RUN_TIMEOUT, ErrorCode.EVAL_RUN_INFRASTRUCTURE_ERROR]);

/** A failed run that `start` (or an operator's requeue) resumes rather than starts afresh. */
export const isResumable = (run: Pick<EvalRunEntity, 'status' | 'failure_code'>): boolean =>
  run.status === 'failed' && run.failure_code !== null && RESUMABLE_FAILURES.has(run.failure_code);

/** Events that say an epoch of a run was handed to the queue (as opposed to a synchronous execute). */
export const QUEUED_EPOCH_EVENTS = ['run_queued', 'run_requeued', 'run_resumed'] as const;

export interface StartRunResult {
  run: RunView;
  enqueued: boolean;
  job_id: string;
  reopened: boolean;
}

export interface RequeueResult {
  /**
   * `run_resumed`: the run gets a new epoch and keeps its results (a live run, or one that failed on our
   * side, RESUMABLE_FAILURES); `run_restarted`: a terminal run is reopened afresh.
   */
  action: 'run_resumed' | 'run_restarted';
  run_id: string;
  epoch: number;
  job_id: string;
}

export interface CancelRunResult {
  run: RunView;
  cancelled: boolean;
}

/** API side of async runs: start (enqueue), cancel, lifecycle events. The worker executes. */
@Injectable()
export class RunQueueService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly runs: EvalRunsService,
    private readonly execution: RunExecutionService,
    private readonly producer: JobProducer,
    private readonly config: AppConfig,
  ) {}

  /**
   * Enqueues a run. Idempotent: a run already queued or running answers `enqueued: false`. A
   * terminal run is reopened to `pending` first: its previous results are cleared, except after one of
   * our failures (RESUMABLE_FAILURES), where they are kept and only the missing cases run.
   */
  async start(actor: Actor, runId: string): Promise<StartRunResult> {
    let run = await this.runs.load(actor, runId);
    await this.execution.checkGates(run);
    let reopened = false;
    if (run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled') {
      run = await this.reopen(run);
      reopened = true;
    }
    if (run.status === 'running') {
      await this.recordEvent(run, 'run_queue_deduplicated', { status: run.status, epoch: run.queue_epoch });
      return { run: presentRun(run), enqueued: false, job_id: startJobId(run.id, run.queue_epoch), reopened };
    }
    const current = await this.producer.queue(QueueName.EvalRuns).getJob(startJobId(run.id, run.queue_epoch));
    if (current && LIVE_JOB_STATES.has(await current.getState())) {
      await this.recordEvent(run, 'run_queue_deduplicated', { status: run.status, epoch: run.queue_epoch });
      return { run: presentRun(run), enqueued: false, job_id: current.id!, reopened };
    }
    // Claim the next epoch only if nobody else did since we read the run (two starts at once: one wins).
    const [rows] = await this.db.query(
      `UPDATE eval_runs SET queue_epoch = queue_epoch + 1, updated_at = now() WHERE id = $1 AND status = 'pending' AND queue_epoch = $2 RETURNING queue_epoch`,
      [run.id, run.queue_epoch],
    );
    if (!rows || rows.length === 0) {
      const latest = await this.runs.load(actor, runId);
      return { run: presentRun(latest), enqueued: false, job_id: startJobId(latest.id, latest.queue_epoch), reopened };
    }
    const epoch = Number(rows[0].queue_epoch);
    const jobId = await this.producer.enqueue(
      'eval.run.start',
      { run_id: run.id, org_id: run.org_id, epoch },
      {
        jobId: startJobId(run.id, epoch),
        attempts: this.config.get('EVAL_WORKER_ATTEMPTS'),
        backoff: { type: 'exponential', delay: this.config.get('EVAL_WORKER_BACKOFF_MS') },
      },
    );
    await this.recordEvent(run, 'run_queued', { epoch, job_id: jobId, reopened });
    return { run: presentRun(await this.runs.load(actor, runId)), enqueued: true, job_id: jobId, reopened };
  }

  /**
   * Operator requeue (job retry, bulk replay, reaper): a pending or running run gets a new epoch and a
   * new start job; its chunks skip the cases that already have a result, and jobs of the old epoch
   * become stale. A terminal run is reopened first, like `start`.
   */
  async requeue(run: EvalRunEntity, opts: { delayMs?: number; reason: string }): Promise<RequeueResult> {
    let action: RequeueResult['action'] = 'run_resumed';
    if (run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled') {
      await this.execution.checkGates(run);
      const resumable = isResumable(run);
      run = await this.reopen(run);
      if (!resumable) action = 'run_restarted';
    }
    const [rows] = await this.db.query(
      `UPDATE eval_runs SET queue_epoch = queue_epoch + 1, updated_at = now()
       WHERE id = $1 AND status IN ('pending', 'running') AND queue_epoch = $2 RETURNING queue_epoch`,
      [run.id, run.queue_epoch],
    );
    if (!rows?.length) {
      throw new DomainError(ErrorCode.CONFLICT, 'the run changed while it was being requeued; try again', { run_id: run.id });
    }
    const epoch = Number(rows[0].queue_epoch);
    const jobId = await this.producer.enqueue(
      'eval.run.start',
      { run_id: run.id, org_id: run.org_id, epoch },
      {
        jobId: startJobId(run.id, epoch),
        delay: opts.delayMs && opts.delayMs > 0 ? opts.delayMs : undefined,
        attempts: this.config.get('EVAL_WORKER_ATTEMPTS'),
        backoff: { type: 'exponential', delay: this.config.get('EVAL_WORKER_BACKOFF_MS') },
      },
    );
    await this.recordEvent(run, 'run_requeued', { epoch, job_id: jobId, action, reason: opts.reason, delay_ms: opts.delayMs ?? 0 });
    return { action, run_id: run.id, epoch, job_id: jobId };
  }

  /**
   * A running run nobody executes any more (its jobs were lost) gets a new epoch and a new start job;
   * the start fans out only the cases without a result, and jobs of the old epoch become stale. The
   * event (`run_resumed`) commits with the new epoch, before the job is enqueued, so an enqueue that
   * fails leaves a run that is still recognised as queued and is resumed again. Answers the new epoch,
   * or null when the run moved on meanwhile (finished, cancelled or resumed by someone else).
   */
  async resume(run: EvalRunEntity, extra: Record<string, unknown>): Promise<number | null> {
    // The new epoch and its event commit together: a run at an epoch is recognised as queued.
    const rows: { queue_epoch: number }[] = await this.db.transaction(async (m) => {
      const [moved] = await m.query(
        `UPDATE eval_runs SET queue_epoch = queue_epoch + 1, updated_at = now()
         WHERE id = $1 AND status = 'running' AND queue_epoch = $2 RETURNING queue_epoch`,
        [run.id, run.queue_epoch],
      );
      if (moved?.length) {
        const details = { ...extra, from_epoch: run.queue_epoch, epoch: Number(moved[0].queue_epoch) };
        await m.getRepository(EvalRunEventEntity).insert({ run_id: run.id, org_id: run.org_id, event_type: 'run_resumed', details: details as never });
      }
      return moved ?? [];
    });
    if (!rows.length) return null;
    const epoch = Number(rows[0].queue_epoch);
    await this.producer.enqueue(
      'eval.run.start',
      { run_id: run.id, org_id: run.org_id, epoch },
      {
        jobId: startJobId(run.id, epoch),
        attempts: this.config.get('EVAL_WORKER_ATTEMPTS'),
        backoff: { type: 'exponential', delay: this.config.get('EVAL_WORKER_BACKOFF_MS') },
      },
    );
    return epoch;
  }

  /** Whether the run's current epoch was handed to the queue (start, requeue, resume) rather than executed synchronously. */
  async isQueuedEpoch(run: Pick<EvalRunEntity, 'id' | 'queue_epoch'>): Promise<boolean> {
    const rows = await this.db.query(`SELECT 1 FROM eval_run_events WHERE run_id = $1 AND event_type = ANY($2) AND details->>'epoch' = $3 LIMIT 1`, [
      run.id,
      QUEUED_EPOCH_EVENTS,
      String(run.queue_epoch),
    ]);
    return rows.length > 0;
  }

  /** How often the run was resumed since it was last started (`start` grants a fresh allowance). */
  async resumesSinceStart(runId: string): Promise<number> {
    const [row] = await this.db.query(
      `SELECT count(*)::int AS n FROM eval_run_events
       WHERE run_id = $1 AND event_type = 'run_resumed'
         AND id > coalesce((SELECT max(id) FROM eval_run_events WHERE run_id = $1 AND event_type = 'run_queued'), 0)`,
      [runId],
    );
    return Number(row?.n ?? 0);
  }

  /** The states of the start and finalize jobs of the run's current epoch (null: no such job). */
  async epochJobStates(run: Pick<EvalRunEntity, 'id' | 'queue_epoch'>): Promise<{ start: string | null; finalize: string | null }> {
    const queue = this.producer.queue(QueueName.EvalRuns);
    const [start, finalize] = await Promise.all([queue.getJob(startJobId(run.id, run.queue_epoch)), queue.getJob(finalizeJobId(run.id, run.queue_epoch))]);
    return { start: start ? await start.getState() : null, finalize: finalize ? await finalize.getState() : null };
  }

  /** Cancels a pending or running run; chunks see it between cases and stop. Terminal runs stay as they are. */
  async cancel(actor: Actor, runId: string): Promise<CancelRunResult> {
    const run = await this.runs.load(actor, runId);
    if (run.status !== 'pending' && run.status !== 'running') return { run: presentRun(run), cancelled: false };
    try {
      const cancelled = await this.runs.transition(run.id, run.status, 'cancelled', { failure_reason: null });
      await this.recordEvent(cancelled, 'run_cancelled', { from: run.status, by_key_id: actor.key_id });
      const start = await this.producer.queue(QueueName.EvalRuns).getJob(startJobId(run.id, run.queue_epoch));
      if (start && (await start.getState()) !== 'active') await start.remove().catch(() => undefined);
      return { run: presentRun(cancelled), cancelled: true };
    } catch {
      // It finished (or was cancelled) between our read and our write.
      const latest = await this.runs.load(actor, runId);
      return { run: presentRun(latest), cancelled: false };
    }
  }

  async events(actor: Actor, runId: string, page: PageRequest): Promise<Page<EvalRunEventEntity>> {
    const run = await this.runs.load(actor, runId);
    const [items, total] = await this.db.getRepository(EvalRunEventEntity).findAndCount({
      where: { run_id: run.id },
      order: { id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
    return { items, limit: page.limit, offset: page.offset, total };
  }

  async recordEvent(run: { id: string; org_id: string }, type: string, details: Record<string, unknown> = {}): Promise<void> {
    await this.db.getRepository(EvalRunEventEntity).insert({ run_id: run.id, org_id: run.org_id, event_type: type, details: details as never });
  }

  /**
   * Terminal → pending. A run that completed, was cancelled or failed on the agent's or its
   * configuration's account executes afresh: its results and artifacts go. A run that failed on ours
   * (RESUMABLE_FAILURES) keeps them, and its chunks execute only the cases without a result.
   */
  private async reopen(run: EvalRunEntity): Promise<EvalRunEntity> {
    const from: RunStatus = run.status;
    const keep = isResumable(run);
    let kept = 0;
    await this.db.transaction(async (m) => {
      if (!keep) {
        await m.query(`DELETE FROM eval_run_artifacts WHERE run_id = $1`, [run.id]);
        await m.query(`DELETE FROM eval_results WHERE run_id = $1`, [run.id]);
      }
      // Checked on the row as it is now: the failure it was reopened for, not the one read earlier.
      const [rows] = await m.query(
        `UPDATE eval_runs SET status = 'pending', started_at = NULL, completed_at = NULL,
                completed_cases = CASE WHEN $3 THEN (SELECT count(*)::int FROM eval_results WHERE run_id = $1) ELSE 0 END,
                failure_code = NULL, failure_reason = NULL, updated_at = now()
         WHERE id = $1 AND status = $2 AND failure_code IS NOT DISTINCT FROM $4 RETURNING completed_cases`,
        [run.id, from, keep, run.failure_code],
      );
      if (!rows?.length) throw this.runs.staleTransition(run.id, from, 'pending');
      kept = Number(rows[0].completed_cases);
    });
    await this.recordEvent(run, 'run_reopened', keep ? { from, resumed: true, failure_code: run.failure_code, kept_results: kept } : { from });
    return this.db.getRepository(EvalRunEntity).findOneByOrFail({ id: run.id });
  }
}
