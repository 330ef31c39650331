import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { EvalRunEntity, EvalRunEventEntity, Page, PageRequest } from '@greenlight/database';
import { paginate } from '@greenlight/platform';

/**
 * What `GET /eval/runs/{id}/events` lists. Moves of the run (RunLifecycle) write theirs in the same
 * transaction as the move; the others are notes about a run in flight.
 */
export type RunEventType =
  | 'run_queued'
  | 'run_requeued'
  | 'run_resumed'
  | 'run_reopened'
  | 'run_started'
  | 'run_completed'
  | 'run_failed'
  | 'run_cancelled'
  | 'run_reaped'
  | 'run_fanned_out'
  | 'run_queue_deduplicated';

/** Events that say an epoch of a run was handed to the queue (as opposed to a synchronous execute). */
export const QUEUED_EPOCH_EVENTS: readonly RunEventType[] = ['run_queued', 'run_requeued', 'run_resumed'];

type RunRef = Pick<EvalRunEntity, 'id' | 'org_id'>;

/** The run's event history (`eval_run_events`): written by the lifecycle, read by the API and by recovery. */
@Injectable()
export class RunEventLog {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Writes one event in the caller's transaction. */
  async write(m: EntityManager, run: RunRef, type: RunEventType, details: Record<string, unknown>): Promise<void> {
    await m.getRepository(EvalRunEventEntity).insert({ run_id: run.id, org_id: run.org_id, event_type: type, details: details as never });
  }

  /** An event that goes with no move of the run (a fan-out, a start that was already queued). */
  note(run: RunRef, type: RunEventType, details: Record<string, unknown> = {}): Promise<void> {
    return this.write(this.db.manager, run, type, details);
  }

  /** The run's events, oldest first (the caller has checked the run is in the actor's scope). */
  list(runId: string, page: PageRequest): Promise<Page<EvalRunEventEntity>> {
    const qb = this.db.getRepository(EvalRunEventEntity).createQueryBuilder('e').where('e.run_id = :run', { run: runId }).orderBy('e.id', 'ASC');
    return paginate(qb, page);
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
}
