import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { buildDataSourceOptions, dropDatabase, ensureDatabase } from '@greenlight/database';
import { MIGRATIONS } from '../migrations';

const BASE = '/api/v1/system/queue/maintenance';

/**
 * Upgrading a database whose audit log holds maintenance's old rows (written as if they were
 * requests): they become maintenance events, the real requests stay in the audit log, and going
 * back restores them as they were.
 */
describe('migration: maintenance events leave the HTTP audit log', () => {
  let url: string;
  let db: DataSource;

  /** A data source over the migrations up to (and including) `last`. */
  function dataSource(count: number): DataSource {
    const config = AppConfig.fromEnv({ ...process.env, DATABASE_URL: url });
    return new DataSource({ ...buildDataSourceOptions(config), migrations: MIGRATIONS.slice(0, count), extra: { max: 2 } });
  }

  beforeAll(async () => {
    const u = new URL(process.env.DATABASE_URL!);
    u.pathname = `/${u.pathname.slice(1)}_mevt_${randomBytes(3).toString('hex')}`;
    url = u.toString();
    await ensureDatabase(url);
  });
  afterAll(async () => {
    if (db?.isInitialized) await db.destroy();
    await dropDatabase(url);
  });

  it('moves the maintenance rows of the audit log into the events ledger, and back on revert', async () => {
    const events = MIGRATIONS.findIndex((m) => m.name === 'MaintenanceEvents1763841200000');
    expect(events).toBeGreaterThan(0);
    db = dataSource(events);
    await db.initialize();
    await db.runMigrations({ transaction: 'each' });
    const [{ id: org }] = await db.query(`INSERT INTO orgs (name) VALUES ('Old Org') RETURNING id`);
    const [{ id: run }] = await db.query(
      `INSERT INTO queue_maintenance_runs (org_id, status, dry_run, trigger, policy, completed_at) VALUES ($1, 'failed', true, 'api', '{}', now()) RETURNING id`,
      [org],
    );
    const key = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
    const rows: [string, string | null, string, number, string | null][] = [
      ['req-1', key, `${BASE}/runs/${run}`, 0, 'MAINTENANCE_RUN_REAPED'],
      ['worker:queue-maintenance', null, `${BASE}/runs/${run}`, 0, 'MAINTENANCE_RUN_ORPHANED'],
      ['req-2', key, `${BASE}/schedule-trigger?schedule_name=night%3Aly`, 0, 'SCHEDULE_TRIGGER_DEDUPED'],
      ['worker:queue-maintenance', null, `${BASE}/schedule-trigger?schedule_name=worker`, 0, 'SCHEDULE_TRIGGER_EXECUTED'],
      ['req-3', key, `${BASE}/schedule-summary/notify`, 0, 'SCHEDULE_ANOMALY_NOTIFY_DRY_RUN'],
      // real requests: they stay
      ['req-1', key, `${BASE}/reap-stale-runs`, 12, null],
      ['req-4', key, `${BASE}/run`, 3, 'VALIDATION_ERROR'],
    ];
    for (const [rid, k, path, latency, code] of rows) {
      await db.query(
        `INSERT INTO api_audit_logs (request_id, api_key_id, org_id, method, path, status_code, latency_ms, error_code) VALUES ($1, $2, $3, 'POST', $4, $5, $6, $7)`,
        [rid, k, org, path, code === 'VALIDATION_ERROR' ? 400 : 200, latency, code],
      );
    }
    const before = await db.query(`SELECT request_id, api_key_id, path, status_code, latency_ms, error_code, created_at FROM api_audit_logs ORDER BY id`);
    await db.destroy();

    db = dataSource(events + 1);
    await db.initialize();
    await db.runMigrations({ transaction: 'each' });
    const moved = await db.query(
      `SELECT run_id, action, outcome, schedule_name, source, api_key_id, request_id FROM queue_maintenance_events WHERE org_id = $1 ORDER BY id`,
      [org],
    );
    expect(moved).toEqual([
      { run_id: run, action: 'run_reaped', outcome: 'run_failed', schedule_name: null, source: 'api', api_key_id: key, request_id: 'req-1' },
      { run_id: run, action: 'run_orphaned', outcome: 'run_failed', schedule_name: null, source: 'worker', api_key_id: null, request_id: null },
      { run_id: null, action: 'schedule_triggered', outcome: 'deduped', schedule_name: 'night:ly', source: 'api', api_key_id: key, request_id: 'req-2' },
      { run_id: null, action: 'schedule_triggered', outcome: 'executed', schedule_name: 'worker', source: 'worker', api_key_id: null, request_id: null },
      { run_id: null, action: 'anomaly_notified', outcome: 'dry_run', schedule_name: null, source: 'api', api_key_id: key, request_id: 'req-3' },
    ]);
    expect(await db.query(`SELECT request_id, error_code FROM api_audit_logs ORDER BY id`)).toEqual([
      { request_id: 'req-1', error_code: null },
      { request_id: 'req-4', error_code: 'VALIDATION_ERROR' },
    ]);

    await db.undoLastMigration({ transaction: 'each' });
    const restored = await db.query(`SELECT request_id, api_key_id, path, status_code, latency_ms, error_code, created_at FROM api_audit_logs`);
    const order = (r: { path: string; error_code: string | null }) => `${r.path} ${r.error_code}`;
    expect(restored.sort((a: any, b: any) => order(a).localeCompare(order(b)))).toEqual(before.sort((a: any, b: any) => order(a).localeCompare(order(b))));
    expect(await db.query(`SELECT to_regclass('queue_maintenance_events') AS t`)).toEqual([{ t: null }]);
  });
});
