import type { EvalRunEntity } from '@greenlight/database';
import type { NotificationEvent } from '@greenlight/notifications';

/** The webhook event of a run's terminal move (`eval_run.completed` / `eval_run.failed`), from the moved row. */
export function runNotification(run: EvalRunEntity): NotificationEvent {
  const status = run.status === 'completed' ? 'completed' : 'failed';
  return {
    org_id: run.org_id,
    event_type: status === 'completed' ? 'eval_run.completed' : 'eval_run.failed',
    data: {
      run_id: run.id,
      agent_id: run.agent_id,
      golden_set_id: run.golden_set_id,
      name: run.name,
      run_type: run.run_type,
      status,
      total_cases: run.total_cases,
      completed_cases: run.completed_cases,
      failure_code: run.failure_code,
      failure_reason: run.failure_reason,
      started_at: run.started_at,
      completed_at: run.completed_at,
    },
  };
}

/** The activity-feed metadata of a run that finished (completed or failed). */
export function finishedActivity(run: EvalRunEntity): Record<string, unknown> {
  return { run_id: run.id, status: run.status, failure_code: run.failure_code, completed_cases: run.completed_cases };
}
