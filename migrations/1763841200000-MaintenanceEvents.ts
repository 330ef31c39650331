import { MigrationInterface, QueryRunner } from 'typeorm';

const BASE = '/api/v1/system/queue/maintenance';

/**
 * Maintenance keeps a ledger of its own events (a run reaped or orphaned, a schedule trigger executed
 * or deduped, an anomaly alert sent, suppressed, ...), with fields that mean something for
 * maintenance: the run, the action and its outcome, who or what caused it, details. Until now these
 * were written into the HTTP audit log as rows that pretended to be requests (a made-up method, path
 * and status); those rows move here, so the audit log holds real HTTP requests only.
 */
export class MaintenanceEvents1763841200000 implements MigrationInterface {
  name = 'MaintenanceEvents1763841200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE queue_maintenance_events (
        id bigserial PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        run_id uuid REFERENCES queue_maintenance_runs(id) ON DELETE SET NULL,
        action text NOT NULL CHECK (action IN ('run_reaped', 'run_orphaned', 'schedule_triggered', 'anomaly_notified')),
        outcome text NOT NULL,
        schedule_name text,
        source text NOT NULL CHECK (source IN ('api', 'worker')),
        api_key_id uuid,
        request_id text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (
          (action IN ('run_reaped', 'run_orphaned') AND outcome = 'run_failed')
          OR (action = 'schedule_triggered' AND outcome IN ('executed', 'deduped'))
          OR (action = 'anomaly_notified' AND outcome IN ('sent', 'failed', 'suppressed', 'skipped', 'dry_run'))
        ),
        CHECK ((source = 'worker') = (request_id IS NULL))
      )`);
    await q.query(`CREATE INDEX queue_maintenance_events_org_idx ON queue_maintenance_events (org_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX queue_maintenance_events_run_idx ON queue_maintenance_events (run_id) WHERE run_id IS NOT NULL`);
    await this.moveFromAuditLog(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      INSERT INTO api_audit_logs (request_id, api_key_id, org_id, method, path, status_code, latency_ms, error_code, created_at)
      SELECT COALESCE(request_id, 'worker:queue-maintenance'), api_key_id, org_id, 'POST',
             CASE
               WHEN action IN ('run_reaped', 'run_orphaned') THEN '${BASE}/runs/' || COALESCE(run_id::text, '')
               WHEN action = 'schedule_triggered' THEN '${BASE}/schedule-trigger' || COALESCE('?schedule_name=' || replace(schedule_name, ':', '%3A'), '')
               ELSE '${BASE}/schedule-summary/notify' || COALESCE('?schedule_name=' || replace(schedule_name, ':', '%3A'), '')
             END,
             200, 0,
             CASE
               WHEN action = 'run_reaped' THEN 'MAINTENANCE_RUN_REAPED'
               WHEN action = 'run_orphaned' THEN 'MAINTENANCE_RUN_ORPHANED'
               WHEN action = 'schedule_triggered' THEN 'SCHEDULE_TRIGGER_' || upper(outcome)
               ELSE 'SCHEDULE_ANOMALY_NOTIFY_' || upper(outcome)
             END,
             created_at
      FROM queue_maintenance_events`);
    await q.query(`DROP TABLE IF EXISTS queue_maintenance_events`);
  }

  /** The maintenance rows of the audit log become events; schedule names were URL-encoded in the path (only ':' needed it). */
  private async moveFromAuditLog(q: QueryRunner): Promise<void> {
    const written = `method = 'POST' AND status_code = 200 AND latency_ms = 0 AND org_id IS NOT NULL AND path LIKE '${BASE}/%'
      AND (error_code IN ('MAINTENANCE_RUN_REAPED', 'MAINTENANCE_RUN_ORPHANED', 'SCHEDULE_TRIGGER_EXECUTED', 'SCHEDULE_TRIGGER_DEDUPED')
           OR error_code LIKE 'SCHEDULE_ANOMALY_NOTIFY_%')`;
    await q.query(`
      INSERT INTO queue_maintenance_events (org_id, run_id, action, outcome, schedule_name, source, api_key_id, request_id, created_at)
      SELECT a.org_id,
             (SELECT r.id FROM queue_maintenance_runs r WHERE r.id::text = substring(a.path FROM '/runs/([0-9a-f-]{36})$')),
             CASE
               WHEN a.error_code = 'MAINTENANCE_RUN_REAPED' THEN 'run_reaped'
               WHEN a.error_code = 'MAINTENANCE_RUN_ORPHANED' THEN 'run_orphaned'
               WHEN a.error_code LIKE 'SCHEDULE_TRIGGER_%' THEN 'schedule_triggered'
               ELSE 'anomaly_notified'
             END,
             CASE
               WHEN a.error_code LIKE 'MAINTENANCE_RUN_%' THEN 'run_failed'
               WHEN a.error_code LIKE 'SCHEDULE_TRIGGER_%' THEN lower(substring(a.error_code FROM 18))
               ELSE lower(substring(a.error_code FROM 25))
             END,
             replace(substring(a.path FROM '[?]schedule_name=(.*)$'), '%3A', ':'),
             CASE WHEN a.request_id = 'worker:queue-maintenance' THEN 'worker' ELSE 'api' END,
             a.api_key_id,
             NULLIF(a.request_id, 'worker:queue-maintenance'),
             a.created_at
      FROM api_audit_logs a
      WHERE ${written} AND EXISTS (SELECT 1 FROM orgs o WHERE o.id = a.org_id)`);
    await q.query(`DELETE FROM api_audit_logs WHERE ${written}`);
  }
}
