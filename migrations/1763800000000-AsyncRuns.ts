import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Async execution: each start of a run gets a new queue epoch (jobs of an older start are ignored),
 * and a run's lifecycle events are kept for `GET /eval/runs/{id}/events`.
 */
export class AsyncRuns1763800000000 implements MigrationInterface {
  name = 'AsyncRuns1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE eval_runs ADD COLUMN queue_epoch integer NOT NULL DEFAULT 0 CHECK (queue_epoch >= 0)`);
    await q.query(`
      CREATE TABLE eval_run_events (
        id bigserial PRIMARY KEY,
        run_id uuid NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        event_type text NOT NULL CHECK (event_type ~ '^[a-z][a-z0-9_.]*$'),
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX eval_run_events_run_idx ON eval_run_events (run_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS eval_run_events`);
    await q.query(`ALTER TABLE eval_runs DROP COLUMN IF EXISTS queue_epoch`);
  }
}
