import { ErrorCode } from '@greenlight/contracts';
import type { EvalRunEntity, RunStatus } from '@greenlight/database';
import { DomainError } from '@greenlight/platform';

const TRANSITIONS: Record<RunStatus, RunStatus[]> = {
  pending: ['running', 'cancelled'],
  running: ['completed', 'failed', 'cancelled'],
  completed: ['pending'],
  failed: ['pending'],
  cancelled: ['pending'],
};

/** The run state machine (the database enforces the same with a trigger). */
export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return from === to || TRANSITIONS[from].includes(to);
}

/** The typed error of a move the run's status does not allow (or that lost a race). */
export function transitionError(runId: string, from: RunStatus, to: RunStatus): DomainError {
  return new DomainError(ErrorCode.EVAL_RUN_STATUS_TRANSITION_INVALID, `run is ${from}; it cannot move to ${to}`, {
    run_id: runId,
    status: from,
    requested: to,
    allowed: TRANSITIONS[from],
  });
}

/** A cancelled run is not executed again in place; `start` reopens it (its results are cleared). */
export function cancelledError(runId: string): DomainError {
  return new DomainError(ErrorCode.EVAL_RUN_CANCELLED, 'the run was cancelled; start it again (POST .../start reopens it) or create a new run', {
    run_id: runId,
    status: 'cancelled',
  });
}

/**
 * Failures that are ours, not the agent's or the run's configuration: reaped (its executor died), over
 * its maximum runtime, or unfinished because our infrastructure failed. Starting such a run again
 * resumes it: its results are kept and only the cases without one are executed.
 */
export const RESUMABLE_FAILURES: ReadonlySet<string> = new Set([ErrorCode.EVAL_RUN_STALE, ErrorCode.EVAL_RUN_TIMEOUT, ErrorCode.EVAL_RUN_INFRASTRUCTURE_ERROR]);

/** A failed run that `start` (or an operator's requeue) resumes rather than starts afresh. */
export const isResumable = (run: Pick<EvalRunEntity, 'status' | 'failure_code'>): boolean =>
  run.status === 'failed' && run.failure_code !== null && RESUMABLE_FAILURES.has(run.failure_code);

/** Whether the run is done: completed, failed or cancelled (`start` reopens it). */
export const isFinished = (run: Pick<EvalRunEntity, 'status'>): boolean => run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled';
