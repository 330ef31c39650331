import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Maintenance runs carry a lease: the process running one renews it while it works, so a run whose
 * lease has expired belongs to a process that died, and the next trigger for that org fails it as
 * orphaned instead of being refused for a quarter of an hour. Runs recorded before leases existed
 * get the old rule: a running run is presumed alive for 15 minutes after it started.
 */
export class MaintenanceRunLease1763831000000 implements MigrationInterface {
  name = 'MaintenanceRunLease1763831000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE queue_maintenance_runs ADD COLUMN lease_expires_at timestamptz`);
    await q.query(`UPDATE queue_maintenance_runs SET lease_expires_at = COALESCE(completed_at, started_at + interval '15 minutes')`);
    // A writer that does not set it (an app from before leases, during a rolling upgrade) gets the old 15 minutes.
    await q.query(`ALTER TABLE queue_maintenance_runs ALTER COLUMN lease_expires_at SET DEFAULT now() + interval '15 minutes'`);
    await q.query(`ALTER TABLE queue_maintenance_runs ALTER COLUMN lease_expires_at SET NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE queue_maintenance_runs DROP COLUMN IF EXISTS lease_expires_at`);
  }
}
