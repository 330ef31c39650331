// Runs survive our own outages: Redis losing its data mid-run, Postgres unreachable mid-run, and the
// api dying in the middle of a synchronous execute. Each ends in a completed run whose results are all
// real answers of the agent (never our outage scored as the agent's failure), with no process
// restarted and, for the async runs, no call by anyone. Workers and the killed api are built processes
// (`npm test` builds first); Postgres is reached through a TCP proxy the test cuts, Redis is a private
// redis-server without persistence that the test restarts.
import { DataSource } from 'typeorm';
import { startTestAgent, TestAgent } from './support/agent-server';
import { expectSuccess, isTerminalRun, newRunOfCases, sleep, waitForRun, waitUntil } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi } from './support/harness';
import { API_MAIN, freePort, ProcessGroup, startPrivateRedis, waitForPort, WORKER_MAIN } from './support/processes';
import { startTcpProxy } from './support/tcp-proxy';

const CASES = 600;

/** Small attempts and backoffs: an outage of a few seconds used to exhaust every attempt. */
const WORKER_ENV = {
  WORKER_PORT: '0',
  OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
  EVAL_WORKER_CHUNK_SIZE: '10',
  EVAL_WORKER_CONCURRENCY: '8',
  EVAL_WORKER_LOCK_MS: '2000',
  EVAL_WORKER_ATTEMPTS: '3',
  EVAL_WORKER_BACKOFF_MS: '100',
  EVAL_WORKER_MAX_BACKOFF_MS: '500',
  EVAL_WORKER_INFRA_RETRY_MAX_MS: '1000',
  EVAL_RUN_RECOVERY_INTERVAL_MS: '1000',
  QUEUE_MAINTENANCE_INTERVAL_MS: '0',
};

describe('runs under infrastructure faults', () => {
  const procs = new ProcessGroup();
  let agent: TestAgent;

  beforeAll(async () => {
    agent = await startTestAgent((input) => ({ body: { output: `answer ${input.split(' ')[1]}` }, delay_ms: 30 }));
  });
  afterAll(async () => {
    await procs.killAll();
    await agent.close();
  });

  async function run(h: ApiHarness, o: OrgKeys, id: string) {
    return expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}`).set(bearer(o.viewer)), 200);
  }

  /** Every case has exactly one result, each a correct answer of the agent, and the run one terminal event. */
  async function expectAllReal(h: ApiHarness, o: OrgKeys, id: string, cases: number) {
    expect(await run(h, o, id)).toMatchObject({ status: 'completed', completed_cases: cases, result_count: cases });
    const summary = expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}/summary`).set(bearer(o.viewer)), 200);
    expect(summary).toMatchObject({ result_count: cases, error_count: 0, scored_count: cases, answer: { correct: cases }, pass_rate: 1 });
    expect(expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}/artifacts?limit=1`).set(bearer(o.viewer)), 200).total).toBe(cases);
    const items = await events(h, o, id);
    expect(items.filter((e) => ['run_completed', 'run_failed', 'run_cancelled'].includes(e.event_type)).map((e) => e.event_type)).toEqual(['run_completed']);
    return items;
  }

  async function events(h: ApiHarness, o: OrgKeys, id: string): Promise<{ event_type: string }[]> {
    return expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}/events?limit=200`).set(bearer(o.viewer)), 200).items;
  }

  /** Milliseconds from `since` until the run has more than `cases` results (or ended). */
  async function firstProgress(h: ApiHarness, o: OrgKeys, id: string, cases: number, since: number): Promise<number> {
    await waitForRun(h, o.viewer, id, (r) => r.completed_cases > cases || isTerminalRun(r), 40_000);
    return Date.now() - since;
  }

  async function progressed(h: ApiHarness, o: OrgKeys, id: string, atLeast: number) {
    await waitForRun(h, o.viewer, id, (r) => r.completed_cases >= atLeast || isTerminalRun(r), 20_000);
    expect((await run(h, o, id)).status).toBe('running');
  }

  it('Redis restarted without persistence mid-run: the worker resumes the run and it completes with every result real', async () => {
    const redis = await startPrivateRedis(procs);
    const h = await startApi({ REDIS_URL: redis.url, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    try {
      const o = await orgWithKeys(h, (await globalAdmin(h.config)).api_key);
      // A run queued while no worker runs, whose start job Redis then loses: requeued by the first worker.
      const queued = await newRunOfCases(h, o, agent.url, 20);
      expectSuccess(await h.http.post(`/api/v1/eval/runs/${queued}/start`).set(bearer(o.member)), 202);
      await redis.restart();
      const worker = procs.spawnApp(WORKER_MAIN, { ...WORKER_ENV, REDIS_URL: redis.url });
      await waitForRun(h, o.viewer, queued, isTerminalRun, 20_000);
      await expectAllReal(h, o, queued, 20);

      const id = await newRunOfCases(h, o, agent.url, CASES);
      expectSuccess(await h.http.post(`/api/v1/eval/runs/${id}/start`).set(bearer(o.member)), 202);
      await progressed(h, o, id, 60);

      await redis.restart(); // every job, lock and flow of the run is gone
      const lostAt = Date.now();
      // Once the run is resumed under a new epoch, chunks of the old one can no longer write: any
      // progress from then on is the resumed execution's.
      await waitUntil('the run to be resumed', async () => (await events(h, o, id)).some((e) => e.event_type === 'run_resumed'), 40_000);
      const before = (await run(h, o, id)).completed_cases;
      const resumedMs = await firstProgress(h, o, id, before, lostAt);
      await waitForRun(h, o.viewer, id, isTerminalRun, 40_000);
      const recoveryMs = Date.now() - lostAt;

      const history = await expectAllReal(h, o, id, CASES);
      expect(history.some((e) => e.event_type === 'run_resumed')).toBe(true);
      expect(worker.exitCode).toBeNull();
      process.stderr.write(`fault-recovery: Redis data loss → executing again after ${resumedMs} ms, run completed after ${recoveryMs} ms\n`);
    } finally {
      await h.close();
      await procs.killAll(); // the worker's recovery sweep would see the next tests' runs in this database
    }
  }, 90_000);

  it('Postgres unreachable for 8 s mid-run: jobs wait it out without using up attempts; the run completes with every result real', async () => {
    const target = new URL(process.env.DATABASE_URL!);
    const proxy = await startTcpProxy('127.0.0.1', Number(target.port || 5432));
    const through = new URL(process.env.DATABASE_URL!);
    through.hostname = '127.0.0.1';
    through.port = String(proxy.port);
    const h = await startApi({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    try {
      const o = await orgWithKeys(h, (await globalAdmin(h.config)).api_key);
      const worker = procs.spawnApp(WORKER_MAIN, { ...WORKER_ENV, DATABASE_URL: through.toString(), DATABASE_POOL_SIZE: '4' });
      const id = await newRunOfCases(h, o, agent.url, CASES);
      expectSuccess(await h.http.post(`/api/v1/eval/runs/${id}/start`).set(bearer(o.member)), 202);
      await progressed(h, o, id, 60);

      await proxy.cut();
      await sleep(8_000); // the outage itself: eight seconds without Postgres
      const before = (await run(h, o, id)).completed_cases;
      await proxy.restore();
      const backAt = Date.now();
      const resumedMs = await firstProgress(h, o, id, before, backAt);
      await waitForRun(h, o.viewer, id, isTerminalRun, 40_000);
      const recoveryMs = Date.now() - backAt;

      await expectAllReal(h, o, id, CASES);
      expect(worker.exitCode).toBeNull();
      process.stderr.write(`fault-recovery: Postgres back → executing again after ${resumedMs} ms, run completed after ${recoveryMs} ms\n`);
    } finally {
      await procs.killAll();
      await h.close();
      await proxy.close();
    }
  }, 90_000);

  it('the api killed during a synchronous execute: finished cases are stored, the reaped run resumes on start without running them again', async () => {
    const slow = await startTestAgent((input) => ({ body: { output: `answer ${input.split(' ')[1]}` }, delay_ms: 100 }));
    const h = await startApi({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' }, { worker: true });
    try {
      const o = await orgWithKeys(h, (await globalAdmin(h.config)).api_key);
      const n = 500;
      const id = await newRunOfCases(h, o, slow.url, n);
      const port = await freePort();
      const api = procs.spawnApp(API_MAIN, { PORT: String(port), OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', EVAL_SYNC_CONCURRENCY: '8' });
      await waitForPort(port);
      // The request never answers: its process dies under it.
      void fetch(`http://127.0.0.1:${port}/api/v1/eval/runs/${id}/execute`, { method: 'POST', headers: bearer(o.member) }).catch(() => undefined);
      // Killed once it has stored some of its results, well before it could finish.
      await waitForRun(h, o.viewer, id, (r) => r.result_count >= 40, 10_000);
      await procs.kill(api);
      const calledBefore = slow.calls.length;

      const stopped = await run(h, o, id);
      expect(stopped.status).toBe('running');
      expect(stopped.result_count).toBeGreaterThan(0);
      const kept = stopped.result_count as number;
      const db = h.app.get(DataSource);
      const resultIds = async () => new Set((await db.query(`SELECT id FROM eval_results WHERE run_id = $1`, [id])).map((r: { id: string }) => r.id));
      const keptIds = await resultIds();

      // Nobody executes it any more: the reaper (here asked directly, as if its stale time had passed) fails it.
      await db.query(`UPDATE eval_runs SET updated_at = now() - interval '1 hour' WHERE id = $1`, [id]);
      const reap = expectSuccess(
        await h.http.post('/api/v1/system/queue/jobs/reap-stale').set(bearer(o.admin)).set('Idempotency-Key', `reap-${id}`).send({ stale_run_seconds: 600 }),
        200,
      );
      expect(reap.items).toEqual([expect.objectContaining({ run_id: id, reason: 'stale', action: 'failed' })]);
      expect(await run(h, o, id)).toMatchObject({ status: 'failed', failure_code: 'EVAL_RUN_STALE', result_count: kept });

      // start resumes it: the stored results stay, only the other cases are executed.
      const started = expectSuccess(await h.http.post(`/api/v1/eval/runs/${id}/start`).set(bearer(o.member)), 202);
      expect(started).toMatchObject({ enqueued: true, reopened: true, run: { status: 'pending', result_count: kept } });
      await waitForRun(h, o.viewer, id, isTerminalRun, 40_000);
      await expectAllReal(h, o, id, n);
      expect(slow.calls.length - calledBefore).toBeLessThanOrEqual(n - kept);
      const after = await resultIds();
      expect([...keptIds].filter((r) => !after.has(r))).toEqual([]);
      process.stderr.write(
        `fault-recovery: execute killed after 40+ results kept ${kept} of ${n} results; ${slow.calls.length - calledBefore} cases executed on resume\n`,
      );
    } finally {
      await h.close();
      await slow.close();
    }
  }, 90_000);
});
