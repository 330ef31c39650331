/**
 * The catalogue of queues and jobs. Queue names are persisted in Redis keys: never rename one.
 * Every job name maps to exactly one payload type, so enqueueing the wrong payload does not compile.
 */
export const QueueName = {
  System: 'system',
  EvalRuns: 'eval-runs',
  Notifications: 'notifications',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export interface JobPayloads {
  /** Round-trip probe: proves the api → Redis → worker wiring. Carries no tenant data. */
  'system.ping': { sent_at: string; note?: string };
  /** Deletes expired Idempotency-Key records; run by a job scheduler. */
  'system.purge_idempotency': Record<string, never>;
  /**
   * Scheduled queue maintenance: reap + prune for every org that has queue work, per its policy, at most
   * once per window of `window_ms` (the schedule's interval). Jobs of earlier workers carry `window_minutes`.
   */
  'system.queue_maintenance': { schedule_name: string; window_ms?: number; window_minutes?: number };
  /** Starts a run: moves it to running and fans its cases out as chunk jobs under a finalize job. */
  'eval.run.start': { run_id: string; org_id: string; epoch: number };
  /** Executes some cases of a running run; a case that already has a result is skipped. */
  'eval.run.chunk': { run_id: string; org_id: string; epoch: number; chunk: number; case_ids: string[] };
  /** Runs once every chunk of the run is done: gives the run its one terminal state. */
  'eval.run.finalize': { run_id: string; org_id: string; epoch: number };
  /** One delivery attempt of a notification outbox row (one event to one webhook endpoint). */
  'notify.deliver': { outbox_id: string; org_id: string };
  /** Enqueues outbox rows that are due but have no delivery job (a process died between commit and enqueue). */
  'notify.sweep': Record<string, never>;
}
export type JobName = keyof JobPayloads;

/** Which queue each job travels on. */
export const JOB_QUEUE = {
  'system.ping': QueueName.System,
  'system.purge_idempotency': QueueName.System,
  'system.queue_maintenance': QueueName.System,
  'eval.run.start': QueueName.EvalRuns,
  'eval.run.chunk': QueueName.EvalRuns,
  'eval.run.finalize': QueueName.EvalRuns,
  'notify.deliver': QueueName.Notifications,
  'notify.sweep': QueueName.Notifications,
} as const satisfies { [J in JobName]: QueueName };

/** Job names that travel on queue `Q`. */
export type JobsOf<Q extends QueueName> = { [J in JobName]: (typeof JOB_QUEUE)[J] extends Q ? J : never }[JobName];

/** One job of the catalogue, as name and payload: the name decides the payload's type (and the queue). */
export type JobEntry<J extends JobName = JobName> = { [K in J]: { name: K; data: JobPayloads[K] } }[J];
