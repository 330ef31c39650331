import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DataSource, QueryRunner } from 'typeorm';
import { createAgent, expectSuccess, waitUntil } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';

const WORKER_MAIN = join(__dirname, '..', 'dist', 'apps', 'worker', 'src', 'main.js');
const BASE = '/api/v1/system/queue';
const idem = () => ({ 'Idempotency-Key': randomUUID() });

interface Worker {
  child: ChildProcess;
  /** Its log, one JSON object per line. */
  lines: string[];
}

interface LedgerRow {
  id: string;
  status: string;
  error_message: string | null;
  dedupe_key: string | null;
  window_started_at: Date | null;
  started_at: Date;
  lease_expires_at: Date;
}

/**
 * Scheduled maintenance run by real worker processes of the built app: it runs every interval, also
 * below a minute, and a worker killed in the middle of a maintenance run does not block its org: the
 * orphan is failed once its lease runs out and maintenance goes on.
 */
describe('scheduled maintenance (real worker processes)', () => {
  let h: ApiHarness;
  let db: DataSource;
  let g: { org_id: string; api_key: string };
  const workers = new Set<Worker>();

  function spawnWorker(env: Record<string, string>): Worker {
    const child = spawn(process.execPath, [WORKER_MAIN], {
      env: { ...process.env, ...env, WORKER_PORT: '0', LOG_LEVEL: 'log', LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    const w: Worker = { child, lines: [] };
    let rest = '';
    child.stdout!.on('data', (d: Buffer) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop()!;
      w.lines.push(...parts);
    });
    workers.add(w);
    child.on('exit', () => workers.delete(w));
    return w;
  }

  function kill(w: Worker): void {
    if (w.child.exitCode === null && w.child.signalCode === null) process.kill(-w.child.pid!, 'SIGKILL');
  }

  /** An org swept by every scheduled maintenance: it has a saved policy. */
  async function sweptOrg(): Promise<OrgKeys> {
    const o = await orgWithKeys(h, g.api_key);
    expectSuccess(await h.http.post(`${BASE}/maintenance-policy`).set(bearer(o.admin)).set(idem()).send({ retention_days: 3 }), 200);
    return o;
  }

  async function ledger(org: string): Promise<LedgerRow[]> {
    return db.query(`SELECT * FROM queue_maintenance_runs WHERE org_id = $1 AND trigger = 'schedule' ORDER BY started_at`, [org]);
  }

  beforeAll(async () => {
    h = await startApi();
    db = h.app.get(DataSource);
    g = await globalAdmin(h.config);
  });
  afterAll(async () => {
    for (const w of workers) kill(w);
    await h.close();
  });

  it('QUEUE_MAINTENANCE_INTERVAL_MS below a minute (2 s): one scheduled run per interval, each in its own window', async () => {
    const o = await sweptOrg();
    const w = spawnWorker({ QUEUE_MAINTENANCE_INTERVAL_MS: '2000' });
    const first = await waitUntil('a first scheduled run', async () => (await ledger(o.org_id)).find((r) => r.status === 'completed'), 20_000);
    // The next windows of 2 s follow every 2 s (it was once per clock minute).
    await waitUntil(
      'two more scheduled runs',
      async () => (await ledger(o.org_id)).filter((r) => r.started_at > first.started_at && r.status === 'completed').length >= 2,
      10_000,
    );
    // A graceful stop lets a maintenance run in progress finish.
    process.kill(-w.child.pid!, 'SIGTERM');
    await waitUntil('the worker to exit', async () => w.child.exitCode !== null || w.child.signalCode !== null, 10_000);
    const runs = (await ledger(o.org_id)).filter((r) => r.started_at >= first.started_at);
    expect(runs.every((r) => r.status === 'completed')).toBe(true);
    const windows = runs.map((r) => r.window_started_at!.getTime());
    for (const [i, t] of windows.entries()) {
      expect(t % 2000).toBe(0);
      // each run in a later window than the one before (a job that starts late keeps the window it was due in)
      if (i > 0) expect(t).toBeGreaterThan(windows[i - 1]);
    }
    expect(runs[0].dedupe_key).toMatch(/^worker:2000ms:/);
  }, 60_000);

  it('a worker SIGKILLed during a maintenance run: later triggers log why they skip, and the orphan is failed within a few intervals', async () => {
    const INTERVAL = 1000;
    const LEASE = 3000;
    const env = { QUEUE_MAINTENANCE_INTERVAL_MS: String(INTERVAL), QUEUE_MAINTENANCE_LEASE_MS: String(LEASE) };
    const o = await sweptOrg();
    // A run whose executor died an hour ago: the maintenance run has to reap it.
    const agent = await createAgent(h, o.member);
    const set = expectSuccess(
      await h.http
        .post('/api/v1/golden-sets/upload')
        .set(bearer(o.member))
        .send({ agent_id: agent.id, name: uniqueName('S'), cases: [{ input: 'q', expected_answer: 'a' }] }),
      201,
    ).golden_set.id;
    const stale = expectSuccess(await h.http.post('/api/v1/eval/runs').set(bearer(o.member)).send({ agent_id: agent.id, golden_set_id: set }), 202).id;
    await db.query(`UPDATE eval_runs SET status = 'running', started_at = now() - interval '1 hour', queue_epoch = queue_epoch + 1 WHERE id = $1`, [stale]);
    await db.query(`UPDATE eval_runs SET updated_at = now() - interval '1 hour' WHERE id = $1`, [stale]);

    // Holding the stale run's row keeps the maintenance run busy in its reap, as a slow database would.
    const lock: QueryRunner = db.createQueryRunner();
    await lock.connect();
    await lock.startTransaction();
    await lock.query(`SELECT id FROM eval_runs WHERE id = $1 FOR UPDATE`, [stale]);
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await lock.rollbackTransaction();
      await lock.release();
    };
    try {
      const a = spawnWorker(env);
      const busy = await waitUntil(
        'a maintenance run of the org in progress',
        async () => (await ledger(o.org_id)).find((r) => r.status === 'running'),
        20_000,
      );

      const b = spawnWorker(env);
      const skipLine = new RegExp(`scheduled maintenance of org ${o.org_id} skipped: maintenance run ${busy.id} is still running`);
      await waitUntil('the second worker to log a skipped trigger', async () => b.lines.some((l) => skipLine.test(l)), 20_000);
      expect(b.lines.find((l) => skipLine.test(l))).toMatch(/holds the lease until \d{4}-/);
      // The live process renews the lease while its run is busy.
      const renewed = (await ledger(o.org_id)).find((r) => r.id === busy.id)!;
      expect(renewed.status).toBe('running');
      expect(renewed.lease_expires_at.getTime()).toBeGreaterThan(busy.lease_expires_at.getTime());

      kill(a);
      const killed = Date.now();
      await release();

      const orphan = await waitUntil(
        'the orphan to be failed',
        async () => (await ledger(o.org_id)).find((r) => r.id === busy.id && r.status === 'failed'),
        20_000,
      );
      const clearedMs = Date.now() - killed;
      expect(orphan.error_message).toMatch(/^orphaned: its lease expired at /);
      await waitUntil(
        'the next maintenance run to complete',
        async () => (await ledger(o.org_id)).find((r) => r.started_at > busy.started_at && r.status === 'completed'),
        20_000,
      );
      const resumedMs = Date.now() - killed;
      console.log(
        `orphaned maintenance run failed ${clearedMs} ms after its worker was killed, next run completed after ${resumedMs} ms (lease ${LEASE} ms, interval ${INTERVAL} ms)`,
      );
      // At most the rest of the lease and a couple of intervals.
      expect(clearedMs).toBeLessThan(LEASE + 3 * INTERVAL + 1000);
      // The orphan is an event of the run, caused by the worker (no request, no key).
      const events = expectSuccess(await h.http.get(`${BASE}/maintenance/runs/${busy.id}/events`).query({ action: 'run_orphaned' }).set(bearer(o.admin)), 200);
      expect(events.items).toEqual([
        expect.objectContaining({ org_id: o.org_id, run_id: busy.id, outcome: 'run_failed', source: 'worker', request_id: null, api_key_id: null }),
      ]);
      expect((await db.query(`SELECT status, failure_code FROM eval_runs WHERE id = $1`, [stale]))[0]).toEqual({
        status: 'failed',
        failure_code: 'EVAL_RUN_STALE',
      });
      kill(b);
    } finally {
      await release();
    }
  }, 90_000);
});
