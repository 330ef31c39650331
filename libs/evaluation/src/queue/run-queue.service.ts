import { Injectable } from '@nestjs/common';
import { AppConfig } from '@greenlight/config';
import { EvalRunEntity } from '@greenlight/database';
import { JobProducer } from '@greenlight/queue';
import { Actor } from '@greenlight/tenancy';
import { ErrorCode, QueueName } from '@greenlight/contracts';
import { DomainError } from '@greenlight/platform';
import { RunGatesCheck } from '../execution/run-gates-check';
import { RunEventLog } from '../lifecycle/run-event-log';
import { RunLifecycle } from '../lifecycle/run-lifecycle';
import { isFinished, isResumable } from '../lifecycle/run-transitions';
import { EvalRunsService } from '../runs/eval-runs.service';
import { presentRun, RunView } from '../runs/run-views';
import { finalizeJobId, isLiveJobState, startJobId } from './job-ids';

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

/** Handing runs to the queue: start (enqueue), requeue, resume, cancel. The worker executes them (AsyncRunExecutor). */
@Injectable()
export class RunQueueService {
  constructor(
    private readonly runs: EvalRunsService,
    private readonly gates: RunGatesCheck,
    private readonly lifecycle: RunLifecycle,
    private readonly eventLog: RunEventLog,
    private readonly producer: JobProducer,
    private readonly config: AppConfig,
  ) {}

  /**
   * Enqueues a run. Idempotent: a run already queued or running answers `enqueued: false`. A
   * finished run is reopened to `pending` first: its previous results are cleared, except after one of
   * our failures (RESUMABLE_FAILURES), where they are kept and only the missing cases run.
   */
  async enqueueStart(actor: Actor, runId: string): Promise<StartRunResult> {
    let run = await this.runs.load(actor, runId);
    await this.gates.assertOpen(run);
    let reopened = false;
    if (isFinished(run)) {
      run = await this.lifecycle.reopen(run);
      reopened = true;
    }
    if (run.status === 'running') {
      await this.eventLog.note(run, 'run_queue_deduplicated', { status: run.status, epoch: run.queue_epoch });
      return { run: presentRun(run), enqueued: false, job_id: startJobId(run.id, run.queue_epoch), reopened };
    }
    const current = await this.producer.queue(QueueName.EvalRuns).getJob(startJobId(run.id, run.queue_epoch));
    if (current && isLiveJobState(await current.getState())) {
      await this.eventLog.note(run, 'run_queue_deduplicated', { status: run.status, epoch: run.queue_epoch });
      return { run: presentRun(run), enqueued: false, job_id: current.id!, reopened };
    }
    // Claim the next epoch only if nobody else did since we read the run (two starts at once: one wins).
    const epoch = await this.lifecycle.claimEpoch(run, ['pending'], 'run_queued', (e) => ({ epoch: e, job_id: startJobId(run.id, e), reopened }));
    if (epoch === null) {
      const latest = await this.runs.load(actor, runId);
      return { run: presentRun(latest), enqueued: false, job_id: startJobId(latest.id, latest.queue_epoch), reopened };
    }
    const jobId = await this.enqueueStartJob(run, epoch);
    return { run: presentRun(await this.runs.load(actor, runId)), enqueued: true, job_id: jobId, reopened };
  }

  /**
   * Operator requeue (job retry, bulk replay, reaper): a pending or running run gets a new epoch and a
   * new start job; its chunks skip the cases that already have a result, and jobs of the old epoch
   * become stale. A finished run is reopened first, like `start`.
   */
  async requeue(run: EvalRunEntity, opts: { delayMs?: number; reason: string }): Promise<RequeueResult> {
    let action: RequeueResult['action'] = 'run_resumed';
    if (isFinished(run)) {
      await this.gates.assertOpen(run);
      const resumable = isResumable(run);
      run = await this.lifecycle.reopen(run);
      if (!resumable) action = 'run_restarted';
    }
    const delayMs = opts.delayMs && opts.delayMs > 0 ? opts.delayMs : 0;
    const epoch = await this.lifecycle.claimEpoch(run, ['pending', 'running'], 'run_requeued', (e) => ({
      epoch: e,
      job_id: startJobId(run.id, e),
      action,
      reason: opts.reason,
      delay_ms: opts.delayMs ?? 0,
    }));
    if (epoch === null) {
      throw new DomainError(ErrorCode.CONFLICT, 'the run changed while it was being requeued; try again', { run_id: run.id });
    }
    const jobId = await this.enqueueStartJob(run, epoch, delayMs);
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
    const epoch = await this.lifecycle.claimEpoch(run, ['running'], 'run_resumed', (e) => ({ ...extra, from_epoch: run.queue_epoch, epoch: e }));
    if (epoch === null) return null;
    await this.enqueueStartJob(run, epoch);
    return epoch;
  }

  /** The states of the start and finalize jobs of the run's current epoch (null: no such job). */
  async epochJobStates(run: Pick<EvalRunEntity, 'id' | 'queue_epoch'>): Promise<{ start: string | null; finalize: string | null }> {
    const queue = this.producer.queue(QueueName.EvalRuns);
    const [start, finalize] = await Promise.all([queue.getJob(startJobId(run.id, run.queue_epoch)), queue.getJob(finalizeJobId(run.id, run.queue_epoch))]);
    return { start: start ? await start.getState() : null, finalize: finalize ? await finalize.getState() : null };
  }

  /** Cancels a pending or running run; chunks see it between cases and stop. Finished runs stay as they are. */
  async cancel(actor: Actor, runId: string): Promise<CancelRunResult> {
    const run = await this.runs.load(actor, runId);
    if (run.status !== 'pending' && run.status !== 'running') return { run: presentRun(run), cancelled: false };
    try {
      const cancelled = await this.lifecycle.cancel(run, actor);
      const start = await this.producer.queue(QueueName.EvalRuns).getJob(startJobId(run.id, run.queue_epoch));
      if (start && (await start.getState()) !== 'active') await start.remove().catch(() => undefined);
      return { run: presentRun(cancelled), cancelled: true };
    } catch {
      // It finished (or was cancelled) between our read and our write.
      const latest = await this.runs.load(actor, runId);
      return { run: presentRun(latest), cancelled: false };
    }
  }

  /** The start job of a run's epoch, after the epoch's claim committed. */
  private enqueueStartJob(run: Pick<EvalRunEntity, 'id' | 'org_id'>, epoch: number, delayMs = 0): Promise<string> {
    return this.producer.enqueue(
      'eval.run.start',
      { run_id: run.id, org_id: run.org_id, epoch },
      {
        jobId: startJobId(run.id, epoch),
        delay: delayMs > 0 ? delayMs : undefined,
        attempts: this.config.get('EVAL_WORKER_ATTEMPTS'),
        backoff: { type: 'exponential', delay: this.config.get('EVAL_WORKER_BACKOFF_MS') },
      },
    );
  }
}
