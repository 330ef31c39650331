import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { ErrorCode } from '@greenlight/contracts';
import { EvalRunEntity, RunStatus } from '@greenlight/database';
import { ActivityService } from '@greenlight/platform';
import { NotificationOutbox, OutboxRef } from '@greenlight/notifications';
import type { Actor } from '@greenlight/tenancy';
import { RunEventLog, RunEventType } from './run-event-log';
import { RunHooks } from './run-hooks';
import { finishedActivity, runNotification } from './run-notification';
import { canTransition, isResumable, transitionError } from './run-transitions';

/** The fields of a new run; the lifecycle sets its status and creator. */
export type NewRun = Pick<
  EvalRunEntity,
  'org_id' | 'agent_id' | 'golden_set_id' | 'template_id' | 'name' | 'run_type' | 'config' | 'judge_config_hash' | 'design_context' | 'total_cases'
>;

/** Who executes a run: the synchronous `execute` request, or the worker through the queue. */
export type ExecutionPath = 'sync' | 'queue';

/** Why a run was reaped: its executor died (no progress, no live job), or it ran past its maximum runtime. */
export type ReapReason = 'stale' | 'timeout';

/** What a terminal move may add: the execution summary kept on the run, and details for its event. */
export interface FinishNotes {
  design_context?: Record<string, unknown>;
  details?: Record<string, unknown>;
}

/** What one move writes besides the run row, all in the move's transaction. */
interface MoveRecords {
  event: { type: RunEventType; details: Record<string, unknown> };
  activity?: { actor: Actor | null; event_type: string; metadata: Record<string, unknown> };
  /** Record the run's webhook event (`eval_run.completed` / `eval_run.failed`) in the outbox. */
  notify?: boolean;
}

interface StatusUpdate {
  /** Only if the run is still at this queue epoch (an execution of an earlier start must not end a newer one). */
  epoch?: number;
  /** Claim a new epoch with the move (synchronous execute: any queued start job becomes stale). */
  bumpEpoch?: boolean;
  failure_code?: string | null;
  failure_reason?: string | null;
  design_context?: Record<string, unknown>;
}

/**
 * Every state move of a run, each one transaction: the compare-and-set on `eval_runs.status` (and the
 * queue epoch), the run's event, its activity-feed row and its webhook notification (outbox) commit
 * together or not at all. Who asks — the API, the worker, the synchronous execute, recovery, the
 * reaper — does not matter: a move writes the same rows whoever makes it. Deliveries of recorded
 * notifications are enqueued after the commit.
 */
@Injectable()
export class RunLifecycle {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: RunEventLog,
    private readonly activity: ActivityService,
    private readonly outbox: NotificationOutbox,
    private readonly hooks: RunHooks,
  ) {}

  /** A new pending run. `draft` runs in the transaction (its checks see the same instant as the insert). */
  async create(actor: Actor, draft: (m: EntityManager) => Promise<NewRun>): Promise<EvalRunEntity> {
    return this.db.transaction(async (m) => {
      const fields = await draft(m);
      const run = await m.save(m.create(EvalRunEntity, { ...fields, status: 'pending', created_by_key_id: actor.key_id }));
      await this.activity.record(m, actor, {
        org_id: run.org_id,
        agent_id: run.agent_id,
        event_type: 'run_created',
        metadata: { run_id: run.id, golden_set_id: run.golden_set_id, total_cases: run.total_cases },
      });
      return run;
    });
  }

  /**
   * Finished → pending. A run that completed, was cancelled or failed on the agent's or its
   * configuration's account executes afresh: its results and artifacts go. A run that failed on ours
   * (RESUMABLE_FAILURES) keeps them, and only the cases without a result are executed.
   */
  async reopen(run: EvalRunEntity): Promise<EvalRunEntity> {
    const from: RunStatus = run.status;
    const keep = isResumable(run);
    const reopened = await this.commit(
      async (m) => {
        if (!keep) {
          await m.query(`DELETE FROM eval_run_artifacts WHERE run_id = $1`, [run.id]);
          await m.query(`DELETE FROM eval_results WHERE run_id = $1`, [run.id]);
        }
        // Checked on the row as it is now: the failure it was reopened for, not the one read earlier.
        const [rows]: [EvalRunEntity[]] = await m.query(
          `UPDATE eval_runs SET status = 'pending', started_at = NULL, completed_at = NULL,
                  completed_cases = CASE WHEN $3 THEN (SELECT count(*)::int FROM eval_results WHERE run_id = $1) ELSE 0 END,
                  failure_code = NULL, failure_reason = NULL, updated_at = now()
           WHERE id = $1 AND status = $2 AND failure_code IS NOT DISTINCT FROM $4 RETURNING *`,
          [run.id, from, keep, run.failure_code],
        );
        // Thrown inside the transaction, so the deletes roll back with it.
        if (!rows?.length) throw transitionError(run.id, from, 'pending');
        return rows[0];
      },
      (r) => ({
        event: { type: 'run_reopened', details: keep ? { from, resumed: true, failure_code: run.failure_code, kept_results: r.completed_cases } : { from } },
      }),
    );
    return reopened!;
  }

  /**
   * Claims the run's next queue epoch while it is in one of `from` at the epoch it was read at (two
   * claims at once: one wins), with the event that says who handed it to the queue. Answers the new
   * epoch, or null when the run moved on meanwhile. The start job is enqueued after the commit: a run
   * whose job then fails to enqueue is still recognised as queued, and recovery picks it up.
   */
  async claimEpoch(
    run: Pick<EvalRunEntity, 'id' | 'queue_epoch'>,
    from: RunStatus[],
    type: 'run_queued' | 'run_requeued' | 'run_resumed',
    details: (epoch: number) => Record<string, unknown>,
  ): Promise<number | null> {
    const moved = await this.commit(
      async (m) => {
        const [rows]: [EvalRunEntity[]] = await m.query(
          `UPDATE eval_runs SET queue_epoch = queue_epoch + 1, updated_at = now()
           WHERE id = $1 AND status::text = ANY($2) AND queue_epoch = $3 RETURNING *`,
          [run.id, from, run.queue_epoch],
        );
        return rows?.[0];
      },
      (r) => ({ event: { type, details: details(r.queue_epoch) } }),
    );
    return moved ? moved.queue_epoch : null;
  }

  /** Pending → running, for one execution: the worker's start job at its epoch, or a synchronous execute claiming a new one. */
  begin(runId: string, path: ExecutionPath, guard: { epoch: number } | { bumpEpoch: true }): Promise<EvalRunEntity> {
    return this.moveStatus(runId, 'pending', 'running', guard, (r) => ({ event: { type: 'run_started', details: { epoch: r.queue_epoch, execution: path } } }));
  }

  /** Running → completed at the execution's epoch. */
  complete(runId: string, epoch: number, notes: FinishNotes = {}): Promise<EvalRunEntity> {
    return this.moveStatus(runId, 'running', 'completed', { epoch, design_context: notes.design_context }, (r) => ({
      event: { type: 'run_completed', details: { completed_cases: r.completed_cases, failure_code: null, ...notes.details } },
      activity: { actor: null, event_type: 'run_completed', metadata: finishedActivity(r) },
      notify: true,
    }));
  }

  /** Running → failed at the execution's epoch, with the failure's code and reason. */
  fail(runId: string, epoch: number, failure: { code: string; reason: string }, notes: FinishNotes = {}): Promise<EvalRunEntity> {
    const update = { epoch, failure_code: failure.code, failure_reason: failure.reason, design_context: notes.design_context };
    return this.moveStatus(runId, 'running', 'failed', update, (r) => ({
      event: { type: 'run_failed', details: { completed_cases: r.completed_cases, failure_code: failure.code, ...notes.details } },
      activity: { actor: null, event_type: 'run_failed', metadata: finishedActivity(r) },
      notify: true,
    }));
  }

  /** Pending or running → cancelled; the workers see it between cases and stop. */
  cancel(run: Pick<EvalRunEntity, 'id' | 'status'>, actor: Actor | null): Promise<EvalRunEntity> {
    return this.moveStatus(run.id, run.status, 'cancelled', { failure_reason: null }, () => ({
      event: { type: 'run_cancelled', details: { from: run.status, by_key_id: actor?.key_id ?? null } },
    }));
  }

  /**
   * Running → failed by a time rule: the reaper found nobody executing the run (`stale`,
   * EVAL_RUN_STALE), or the reaper or a worker found it past its maximum runtime (`timeout`,
   * EVAL_RUN_TIMEOUT). Both are our failures: `start` resumes the run.
   */
  reapRun(
    run: Pick<EvalRunEntity, 'id' | 'queue_epoch'>,
    reason: ReapReason,
    by: { actor: Actor | null; detected_by: 'reaper' | 'worker'; max_runtime_seconds?: number },
  ): Promise<EvalRunEntity> {
    const failure =
      reason === 'timeout'
        ? {
            code: ErrorCode.EVAL_RUN_TIMEOUT,
            reason: `the run exceeded its maximum runtime${by.max_runtime_seconds ? ` of ${by.max_runtime_seconds} s` : ''} and was reaped`,
          }
        : { code: ErrorCode.EVAL_RUN_STALE, reason: 'the run had no live job and made no progress; it was reaped (its executor died)' };
    const update = { epoch: run.queue_epoch, failure_code: failure.code, failure_reason: failure.reason };
    return this.moveStatus(run.id, 'running', 'failed', update, (r) => ({
      event: { type: 'run_reaped', details: reapDetails(r, reason, 'failed', by) },
      activity: { actor: by.actor, event_type: 'run_reaped', metadata: { run_id: r.id, reason, action: 'failed' } },
      notify: true,
    }));
  }

  /**
   * The reaper's note on a run whose jobs were lost: recovery moved it (resumed, requeued or
   * finished, with that move's own event), and this says the reaper was the one who found it.
   */
  async noteLostJobReaped(run: EvalRunEntity, action: string, actor: Actor | null): Promise<void> {
    await this.db.transaction(async (m) => {
      await this.events.write(m, run, 'run_reaped', reapDetails(run, 'lost_job', action, { actor, detected_by: 'reaper' }));
      await this.activity.record(m, actor, {
        org_id: run.org_id,
        agent_id: run.agent_id,
        event_type: 'run_reaped',
        metadata: { run_id: run.id, reason: 'lost_job', action },
      });
    });
  }

  /** A status move by compare-and-set; EVAL_RUN_STATUS_TRANSITION_INVALID (naming the status it found) when it lost. */
  private async moveStatus(
    runId: string,
    from: RunStatus,
    to: RunStatus,
    update: StatusUpdate,
    records: (run: EvalRunEntity) => MoveRecords,
  ): Promise<EvalRunEntity> {
    if (!canTransition(from, to)) throw transitionError(runId, from, to);
    let moved: EvalRunEntity | null;
    try {
      moved = await this.commit((m) => updateStatus(m, runId, from, to, update), records);
    } catch (err) {
      if (err instanceof QueryFailedError && /status transition/.test(err.message)) throw transitionError(runId, from, to);
      throw err;
    }
    if (moved) return moved;
    const current = await this.db.getRepository(EvalRunEntity).findOneBy({ id: runId });
    throw transitionError(runId, current?.status ?? from, to);
  }

  /** Runs `update` and, when it moved the run, writes the move's records in the same transaction. */
  private async commit(
    update: (m: EntityManager) => Promise<EvalRunEntity | undefined>,
    records: (run: EvalRunEntity) => MoveRecords,
  ): Promise<EvalRunEntity | null> {
    let refs: OutboxRef[] = [];
    const moved = await this.db.transaction(async (m) => {
      const run = await update(m);
      if (!run) return null;
      const r = records(run);
      await this.events.write(m, run, r.event.type, r.event.details);
      if (r.activity) {
        await this.activity.record(m, r.activity.actor, {
          org_id: run.org_id,
          agent_id: run.agent_id,
          event_type: r.activity.event_type,
          metadata: r.activity.metadata,
        });
      }
      if (r.notify) refs = await this.outbox.record(m, runNotification(run));
      return run;
    });
    if (refs.length > 0) await this.outbox.dispatch(refs);
    if (moved && TERMINAL.has(moved.status)) await this.hooks.terminal(moved);
    return moved;
  }
}

const TERMINAL = new Set<RunStatus>(['completed', 'failed', 'cancelled']);

/** The compare-and-set UPDATE of a status move; the moved row, or undefined when the run was not in `from` (at the epoch). */
async function updateStatus(m: EntityManager, runId: string, from: RunStatus, to: RunStatus, u: StatusUpdate): Promise<EvalRunEntity | undefined> {
  const sets = ['status = $3', 'updated_at = now()'];
  if (u.bumpEpoch) sets.push('queue_epoch = queue_epoch + 1');
  if (to === 'running') sets.push('started_at = now()', 'failure_code = NULL', 'failure_reason = NULL');
  if (to === 'completed' || to === 'failed' || to === 'cancelled') sets.push('completed_at = now()');
  const params: unknown[] = [runId, from, to];
  if (u.failure_code !== undefined) sets.push(`failure_code = $${params.push(u.failure_code)}`);
  if (u.failure_reason !== undefined) sets.push(`failure_reason = $${params.push(u.failure_reason)}`);
  if (u.design_context) sets.push(`design_context = design_context || $${params.push(JSON.stringify(u.design_context))}::jsonb`);
  const epochGuard = u.epoch === undefined ? '' : ` AND queue_epoch = $${params.push(u.epoch)}`;
  const [rows]: [EvalRunEntity[]] = await m.query(`UPDATE eval_runs SET ${sets.join(', ')} WHERE id = $1 AND status = $2${epochGuard} RETURNING *`, params);
  return rows?.[0];
}

function reapDetails(
  run: Pick<EvalRunEntity, 'queue_epoch' | 'failure_code'>,
  reason: ReapReason | 'lost_job',
  action: string,
  by: { actor: Actor | null; detected_by: 'reaper' | 'worker' },
): Record<string, unknown> {
  const details: Record<string, unknown> = { reason, action, epoch: run.queue_epoch, by_key_id: by.actor?.key_id ?? null, detected_by: by.detected_by };
  if (reason !== 'lost_job') details.failure_code = run.failure_code;
  return details;
}
