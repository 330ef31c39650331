import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Queue maintenance (seed steps 100–110): per-org policies, the ledger of maintenance runs (at most
 * one running per org, a dedupe key per schedule window), schedule triggers, schedule-anomaly
 * alerts and their cooldown state. Also the indexes the reaper and case lookups need.
 */
export class QueueMaintenance1763810000000 implements MigrationInterface {
  name = 'QueueMaintenance1763810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE queue_maintenance_policies (
        org_id uuid PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
        stale_run_seconds integer NOT NULL CHECK (stale_run_seconds BETWEEN 10 AND 604800),
        max_runtime_seconds integer NOT NULL CHECK (max_runtime_seconds BETWEEN 1 AND 604800),
        retention_days integer NOT NULL CHECK (retention_days BETWEEN 0 AND 3650),
        reap_limit integer NOT NULL CHECK (reap_limit BETWEEN 1 AND 1000),
        prune_limit integer NOT NULL CHECK (prune_limit BETWEEN 1 AND 100000),
        schedule_enabled boolean NOT NULL DEFAULT true,
        schedule_alert_enabled boolean NOT NULL DEFAULT false,
        schedule_alert_dedupe_hit_rate_threshold double precision NOT NULL CHECK (schedule_alert_dedupe_hit_rate_threshold BETWEEN 0 AND 1),
        schedule_alert_min_execution_success_rate double precision NOT NULL CHECK (schedule_alert_min_execution_success_rate BETWEEN 0 AND 1),
        schedule_alert_cooldown_minutes integer NOT NULL CHECK (schedule_alert_cooldown_minutes BETWEEN 0 AND 10080),
        updated_by_key_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE queue_maintenance_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        status text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
        dry_run boolean NOT NULL,
        trigger text NOT NULL CHECK (trigger IN ('api', 'schedule')),
        schedule_name text CHECK (schedule_name IS NULL OR schedule_name ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$'),
        dedupe_key text,
        window_started_at timestamptz,
        policy jsonb NOT NULL,
        reap_summary jsonb,
        prune_summary jsonb,
        error_message text,
        requested_by_key_id uuid,
        started_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        duration_ms integer CHECK (duration_ms IS NULL OR duration_ms >= 0),
        CHECK ((status = 'running') = (completed_at IS NULL)),
        CHECK ((trigger = 'schedule') = (schedule_name IS NOT NULL AND dedupe_key IS NOT NULL AND window_started_at IS NOT NULL))
      )`);
    // One active maintenance run per org (QUEUE_MAINTENANCE_ALREADY_RUNNING).
    await q.query(`CREATE UNIQUE INDEX queue_maintenance_runs_one_running_uq ON queue_maintenance_runs (org_id) WHERE status = 'running'`);
    await q.query(`CREATE INDEX queue_maintenance_runs_org_idx ON queue_maintenance_runs (org_id, started_at DESC)`);
    await q.query(`
      CREATE TABLE queue_maintenance_triggers (
        id bigserial PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        schedule_name text NOT NULL,
        window_started_at timestamptz NOT NULL,
        dedupe_key text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('executed', 'deduped')),
        run_id uuid REFERENCES queue_maintenance_runs(id) ON DELETE SET NULL,
        requested_by_key_id uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX queue_maintenance_triggers_org_idx ON queue_maintenance_triggers (org_id, schedule_name, created_at DESC)`);
    await q.query(`
      CREATE TABLE queue_maintenance_alerts (
        id bigserial PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        schedule_name text,
        outcome text NOT NULL CHECK (outcome IN ('sent', 'failed', 'suppressed', 'skipped', 'dry_run')),
        fingerprint text,
        anomalies jsonb NOT NULL DEFAULT '[]'::jsonb,
        error_message text,
        requested_by_key_id uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX queue_maintenance_alerts_org_idx ON queue_maintenance_alerts (org_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE queue_maintenance_alert_state (
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        schedule_name text NOT NULL,
        fingerprint text NOT NULL,
        last_alerted_at timestamptz NOT NULL,
        PRIMARY KEY (org_id, schedule_name)
      )`);
    // The reaper scans live runs by age; result and run lookups by case and golden set.
    await q.query(`CREATE INDEX eval_runs_live_idx ON eval_runs (status, updated_at) WHERE status IN ('pending', 'running')`);
    await q.query(`CREATE INDEX eval_runs_golden_set_idx ON eval_runs (golden_set_id)`);
    await q.query(`CREATE INDEX eval_results_case_idx ON eval_results (case_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS eval_results_case_idx`);
    await q.query(`DROP INDEX IF EXISTS eval_runs_golden_set_idx`);
    await q.query(`DROP INDEX IF EXISTS eval_runs_live_idx`);
    await q.query(`DROP TABLE IF EXISTS queue_maintenance_alert_state`);
    await q.query(`DROP TABLE IF EXISTS queue_maintenance_alerts`);
    await q.query(`DROP TABLE IF EXISTS queue_maintenance_triggers`);
    await q.query(`DROP TABLE IF EXISTS queue_maintenance_runs`);
    await q.query(`DROP TABLE IF EXISTS queue_maintenance_policies`);
  }
}
