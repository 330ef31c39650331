import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { QueueName } from '@greenlight/contracts';
import { JobProducer } from '@greenlight/queue';
import { startTestAgent, TestAgent } from './support/agent-server';
import { expectError, expectSuccess, expectValidation, isTerminalRun, newRunOfCases, sleep, waitForRun, waitUntil } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi } from './support/harness';

const WORKER_ENV = {
  OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
  EVAL_WORKER_CHUNK_SIZE: '4',
  EVAL_WORKER_CONCURRENCY: '6',
  EVAL_WORKER_ATTEMPTS: '2',
  EVAL_WORKER_BACKOFF_MS: '20',
  EVAL_WORKER_MAX_BACKOFF_MS: '50',
  EVAL_WORKER_LOCK_MS: '5000',
  EVAL_AGENT_TIMEOUT_MS: '3000',
  // The scheduled sweep is tested in queue-maintenance.e2e-spec.ts; here operators act by hand.
  QUEUE_MAINTENANCE_INTERVAL_MS: '0',
  // A run whose chunks failed for good fails at once (resumes are tested in fault-recovery.e2e-spec.ts).
  EVAL_RUN_MAX_RESUMES: '0',
};

const idem = () => ({ 'Idempotency-Key': randomUUID() });

/** Queue operations against the real worker: dead letters, retry, replay, cancel, reap, prune, stats. */
describe('queue operations', () => {
  let h: ApiHarness;
  let db: DataSource;
  let g: { org_id: string; api_key: string };
  let A: OrgKeys;
  let B: OrgKeys;
  let agent: TestAgent;
  let mode: 'ok' | 'slow' = 'ok';

  beforeAll(async () => {
    agent = await startTestAgent((input) => {
      const i = Number(/case (\d+)/.exec(input)?.[1] ?? 0);
      return { body: { output: `answer ${i}` }, delay_ms: mode === 'slow' ? 50 : 0 };
    });
    h = await startApi(WORKER_ENV, { worker: true });
    db = h.app.get(DataSource);
    g = await globalAdmin(h.config);
    [A, B] = await Promise.all([orgWithKeys(h, g.api_key), orgWithKeys(h, g.api_key)]);
  });
  afterAll(async () => {
    await h.close();
    await agent.close();
  });

  const newRun = (keys: OrgKeys, n: number) => newRunOfCases(h, keys, agent.url, n);

  const getRun = async (keys: OrgKeys, id: string) => expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}`).set(bearer(keys.viewer)), 200);
  const terminal = isTerminalRun;

  const waitFor = (keys: OrgKeys, id: string, pred: (run: any) => boolean) => waitForRun(h, keys.viewer, id, pred);

  async function failedJobsOf(keys: string, runId: string): Promise<any[]> {
    const page = expectSuccess(await h.http.get('/api/v1/system/queue/jobs/failed').query({ limit: 200 }).set(bearer(keys)), 200);
    return page.items.filter((j: any) => j.run_id === runId);
  }

  /**
   * A run whose result writes fail until `recover` (a database trigger refuses them, as a broken
   * storage would): its 2 chunks exhaust their attempts and land in the dead-letter set, and finalize
   * fails the run with EVAL_RUN_INFRASTRUCTURE_ERROR and no result (never the agent's error results).
   */
  async function stuckRun(keys: OrgKeys): Promise<{ id: string; recover: () => Promise<void> }> {
    const id = await newRun(keys, 8);
    await db.query(`INSERT INTO test_refused_runs (run_id) VALUES ($1)`, [id]);
    expectSuccess(await h.http.post(`/api/v1/eval/runs/${id}/start`).set(bearer(keys.member)), 202);
    const deadline = Date.now() + 30_000;
    while ((await failedJobsOf(keys.admin, id)).length < 2 || !terminal(await getRun(keys, id))) {
      if (Date.now() > deadline) throw new Error(`run ${id}: its jobs did not all fail in time`);
      await sleep(100);
    }
    return { id, recover: async () => void (await db.query(`DELETE FROM test_refused_runs WHERE run_id = $1`, [id])) };
  }

  beforeAll(async () => {
    await db.query(`CREATE TABLE test_refused_runs (run_id uuid PRIMARY KEY)`);
    await db.query(`
      CREATE FUNCTION test_refuse_results() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM test_refused_runs WHERE run_id = NEW.run_id) THEN RAISE EXCEPTION 'simulated storage failure'; END IF;
        RETURN NEW;
      END $$`);
    await db.query(`CREATE TRIGGER test_refuse_results BEFORE INSERT ON eval_results FOR EACH ROW EXECUTE FUNCTION test_refuse_results()`);
  });

  it('jobs that fail every attempt land in the dead-letter set, visible to their org only', async () => {
    const { id, recover } = await stuckRun(A);
    const dead = await failedJobsOf(A.admin, id);
    expect(dead.map((j: any) => j.name).sort()).toEqual(['eval.run.chunk', 'eval.run.chunk']);
    for (const job of dead) {
      expect(job).toMatchObject({ queue: 'eval-runs', state: 'failed', org_id: A.org_id, run_id: id, attempts_made: 2, max_attempts: 2 });
      expect(job.failed_reason).toMatch(/simulated storage failure/);
    }
    expect(await failedJobsOf(B.admin, id)).toHaveLength(0);
    expect(await failedJobsOf(g.api_key, id)).toHaveLength(2);
    const onlyChunks = expectSuccess(
      await h.http.get('/api/v1/system/queue/jobs/failed').query({ name: 'eval.run.chunk', queue: 'eval-runs' }).set(bearer(A.admin)),
      200,
    );
    expect(onlyChunks.items.filter((j: any) => j.run_id === id)).toHaveLength(2);
    expectValidation(await h.http.get('/api/v1/system/queue/jobs/failed').query({ queue: 'nope' }).set(bearer(A.admin)), ['queue']);
    // one job by id; another org's job is 404
    expectSuccess(await h.http.get(`/api/v1/system/queue/jobs/${dead[0].job_id}`).set(bearer(A.admin)), 200);
    expectError(await h.http.get(`/api/v1/system/queue/jobs/${dead[0].job_id}`).set(bearer(B.admin)), 404, 'NOT_FOUND');
    expectError(await h.http.get('/api/v1/system/queue/jobs/no-such-job').set(bearer(A.admin)), 404, 'NOT_FOUND');
    expectValidation(await h.http.get('/api/v1/system/queue/jobs/bad%20id').set(bearer(A.admin)), ['job_id']);
    expect(await getRun(A, id)).toMatchObject({ status: 'failed', failure_code: 'EVAL_RUN_INFRASTRUCTURE_ERROR', completed_cases: 0 });
    await recover();
  });

  it('retry of one failed job resumes its run; older jobs of the run are then superseded; only failed jobs are retryable', async () => {
    const { id, recover } = await stuckRun(A);
    const dead = await failedJobsOf(A.admin, id);
    const chunk = dead.find((j: any) => j.name === 'eval.run.chunk');
    const path = `/api/v1/system/queue/jobs/${chunk.job_id}/retry`;
    expectValidation(await h.http.post(path).set(bearer(A.admin)).send({}), ['Idempotency-Key']);
    expectValidation(await h.http.post(path).set(bearer(A.admin)).set(idem()).send({ delay_seconds: 3601 }), ['delay_seconds']);
    expectError(await h.http.post(path).set(bearer(B.admin)).set(idem()).send({}), 404, 'NOT_FOUND');
    await recover();
    const key = idem();
    const retried = expectSuccess(await h.http.post(path).set(bearer(A.admin)).set(key).send({}), 200);
    expect(retried).toMatchObject({ job_id: chunk.job_id, previous_state: 'failed', action: 'run_resumed', run_id: id });
    expect(retried.new_job_id).toMatch(new RegExp(`^start-${id}-\\d+$`));
    // the same key replays the same answer; the retried job has left the dead-letter set
    expect(expectSuccess(await h.http.post(path).set(bearer(A.admin)).set(key).send({}), 200)).toEqual(retried);
    expect((await failedJobsOf(A.admin, id)).map((j: any) => j.job_id)).not.toContain(chunk.job_id);
    const run = await waitFor(A, id, terminal);
    expect(run).toMatchObject({ status: 'completed', completed_cases: 8 });
    expect(expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}/summary`).set(bearer(A.viewer)), 200)).toMatchObject({ result_count: 8, error_count: 0 });
    // the other dead job belongs to the old epoch: replaying it does not touch the completed run
    const replay = expectSuccess(await h.http.post('/api/v1/system/queue/jobs/failed/replay').set(bearer(A.admin)).set(idem()).send({ limit: 100 }), 200);
    expect(replay.items.filter((i: any) => i.run_id === id).map((i: any) => i.action)).toEqual(['superseded']);
    expect(await failedJobsOf(A.admin, id)).toHaveLength(0);
    expect(await getRun(A, id)).toMatchObject({ status: 'completed', completed_cases: 8 });
    // the new start job completed: it is not retryable
    const done = expectError(
      await h.http.post(`/api/v1/system/queue/jobs/${retried.new_job_id}/retry`).set(bearer(A.admin)).set(idem()).send({}),
      409,
      'QUEUE_JOB_NOT_RETRYABLE',
    );
    expect(done.details).toMatchObject({ state: 'completed' });
    const events = expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}/events`).set(bearer(A.viewer)), 200).items.map((e: any) => e.event_type);
    expect(events).toEqual(expect.arrayContaining(['run_requeued', 'run_completed']));
  });

  it('retry of a failed job of no run: at once it goes back to waiting; with a delay a copy with the same payload and tries replaces it', async () => {
    // A job no worker has a handler for fails for good at once.
    const queue = h.app.get(JobProducer).queue(QueueName.System);
    const failedJob = async (label: string) => {
      const job = await queue.add('system.unhandled_probe', { org_id: A.org_id, label }, { attempts: 3, backoff: { type: 'fixed', delay: 10 } });
      await waitUntil(`job ${job.id} to fail`, async () => (await queue.getJobState(job.id!)) === 'failed', 10_000);
      return String(job.id);
    };
    const later = await failedJob('later');
    expectError(await h.http.post(`/api/v1/system/queue/jobs/${later}/retry`).set(bearer(B.admin)).set(idem()).send({ delay_seconds: 60 }), 404, 'NOT_FOUND');
    const copied = expectSuccess(
      await h.http.post(`/api/v1/system/queue/jobs/${later}/retry`).set(bearer(A.admin)).set(idem()).send({ delay_seconds: 60 }),
      200,
    );
    expect(copied).toMatchObject({ job_id: later, queue: 'system', org_id: A.org_id, run_id: null, action: 'job_requeued', previous_state: 'failed' });
    expect(copied.new_job_id).not.toBe(later);
    expectError(await h.http.get(`/api/v1/system/queue/jobs/${later}`).set(bearer(A.admin)), 404, 'NOT_FOUND');
    const copy = await queue.getJob(copied.new_job_id);
    expect(await copy!.getState()).toBe('delayed');
    expect(copy).toMatchObject({
      name: 'system.unhandled_probe',
      data: { org_id: A.org_id, label: 'later' },
      opts: expect.objectContaining({ attempts: 3, delay: 60_000 }),
    });
    expect(copy!.opts.backoff).toEqual({ type: 'fixed', delay: 10 });
    await copy!.remove();

    const now = await failedJob('now');
    const retried = expectSuccess(await h.http.post(`/api/v1/system/queue/jobs/${now}/retry`).set(bearer(A.admin)).set(idem()).send({}), 200);
    expect(retried).toMatchObject({ job_id: now, action: 'job_retried', new_job_id: now });
    // it runs again (and fails again: still no handler), with its attempts counted afresh
    await waitUntil('the retried job to fail again', async () => (await queue.getJobState(now)) === 'failed', 10_000);
    await (await queue.getJob(now))!.remove();
  });

  it('bulk replay: dry run changes nothing, then the oldest failed jobs requeue each run once', async () => {
    const first = await stuckRun(B);
    const second = await stuckRun(B);
    const before = expectSuccess(await h.http.get('/api/v1/system/queue/jobs/failed').set(bearer(B.admin)), 200);
    expect(before.total).toBe(4);
    expect(before.items.map((j: any) => j.run_id)).toEqual([first.id, first.id, second.id, second.id]);
    for (const bad of [{ limit: 0 }, { limit: 101 }, { delay_seconds: -1 }, { delay_seconds: 3601 }, { dry_run: 'yes' }]) {
      expectValidation(await h.http.post('/api/v1/system/queue/jobs/failed/replay').set(bearer(B.admin)).set(idem()).send(bad));
    }
    expectValidation(await h.http.post('/api/v1/system/queue/jobs/failed/replay').set(bearer(B.admin)).send({ dry_run: true }), ['Idempotency-Key']);
    expectError(await h.http.post('/api/v1/system/queue/jobs/failed/replay').set(bearer(B.admin)).set(idem()).send({ org_id: A.org_id }), 404, 'NOT_FOUND');

    const dry = expectSuccess(
      await h.http.post('/api/v1/system/queue/jobs/failed/replay').set(bearer(B.admin)).set(idem()).send({ limit: 4, dry_run: true }),
      200,
    );
    expect(dry).toMatchObject({ dry_run: true, selected: 4, replayed: 0 });
    expect(dry.items.map((i: any) => [i.run_id, i.action])).toEqual([
      [first.id, 'would_replay'],
      [first.id, 'superseded'],
      [second.id, 'would_replay'],
      [second.id, 'superseded'],
    ]);
    expect(expectSuccess(await h.http.get('/api/v1/system/queue/jobs/failed').set(bearer(B.admin)), 200).total).toBe(4);

    await first.recover();
    await second.recover();
    const real = expectSuccess(
      await h.http.post('/api/v1/system/queue/jobs/failed/replay').set(bearer(B.admin)).set(idem()).send({ limit: 100, delay_seconds: 1 }),
      200,
    );
    expect(real).toMatchObject({ dry_run: false, selected: 4, replayed: 2, delay_seconds: 1 });
    expect(real.items.map((i: any) => i.action)).toEqual(['run_resumed', 'superseded', 'run_resumed', 'superseded']);
    expect(expectSuccess(await h.http.get('/api/v1/system/queue/jobs/failed').set(bearer(B.admin)), 200).total).toBe(0);
    // the requeue waits out its delay before it starts
    const requeued = expectSuccess(await h.http.get(`/api/v1/system/queue/jobs/${real.items[0].new_job_id}`).set(bearer(B.admin)), 200);
    expect(['delayed', 'active', 'completed']).toContain(requeued.state);
    for (const id of [first.id, second.id]) {
      expect(await waitFor(B, id, terminal)).toMatchObject({ status: 'completed', completed_cases: 8 });
      expect(expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}/summary`).set(bearer(B.viewer)), 200)).toMatchObject({ result_count: 8, error_count: 0 });
    }
    const activity = await db.query(`SELECT count(*)::int AS n FROM activity_events WHERE org_id = $1 AND event_type = 'run_requeued_bulk'`, [B.org_id]);
    expect(activity[0].n).toBe(2);
  });

  it('cancel of a job cancels its run; a finished job answers cancelled: false', async () => {
    mode = 'slow';
    const id = await newRun(A, 40);
    const started = expectSuccess(await h.http.post(`/api/v1/eval/runs/${id}/start`).set(bearer(A.member)), 202);
    const epoch = Number(/-(\d+)$/.exec(started.job_id)![1]);
    await waitFor(A, id, (r) => r.status === 'running' && r.completed_cases > 0);
    const chunk = `chunk-${id}-${epoch}-9`;
    expectError(await h.http.post(`/api/v1/system/queue/jobs/${chunk}/cancel`).set(bearer(B.admin)).set(idem()), 404, 'NOT_FOUND');
    const res = expectSuccess(await h.http.post(`/api/v1/system/queue/jobs/${chunk}/cancel`).set(bearer(A.admin)).set(idem()), 200);
    expect(res).toMatchObject({ cancelled: true, run: { id, status: 'cancelled' }, job: { job_id: chunk, run_id: id } });
    expect(['waiting', 'prioritized', 'active', 'delayed']).toContain(res.previous_state);
    await sleep(500);
    const results = expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}/results`).set(bearer(A.viewer)), 200).total;
    expect(results).toBeLessThan(40);
    expect((await getRun(A, id)).status).toBe('cancelled');
    // the finalize job finishes (it finds the run cancelled); cancelling it then changes nothing
    const finalize = `finalize-${id}-${epoch}`;
    const deadline = Date.now() + 20_000;
    while (expectSuccess(await h.http.get(`/api/v1/system/queue/jobs/${finalize}`).set(bearer(A.admin)), 200).state !== 'completed') {
      if (Date.now() > deadline) throw new Error('the finalize job did not complete');
      await sleep(100);
    }
    const late = expectSuccess(await h.http.post(`/api/v1/system/queue/jobs/${finalize}/cancel`).set(bearer(A.admin)).set(idem()), 200);
    expect(late).toMatchObject({ cancelled: false, removed: false, previous_state: 'completed', run: { status: 'cancelled' } });
    mode = 'ok';
  });

  it('reap-stale: a run whose executor died fails, an overlong run times out, a queued run that lost its job is requeued', async () => {
    const stale = await newRun(A, 3);
    const overlong = await newRun(A, 3);
    const lost = await newRun(A, 3);
    const fresh = await newRun(A, 3);
    // A synchronous execute whose process died: running, a claimed epoch, no job, no progress for an hour.
    await db.query(`UPDATE eval_runs SET status = 'running', started_at = now() - interval '1 hour', queue_epoch = queue_epoch + 1 WHERE id = ANY($1)`, [
      [stale, overlong, fresh],
    ]);
    await db.query(`UPDATE eval_runs SET updated_at = now() - interval '1 hour' WHERE id = $1`, [stale]);
    await db.query(`UPDATE eval_runs SET started_at = now() - interval '3 hours' WHERE id = $1`, [overlong]);
    // A start whose job Redis lost: pending with a claimed epoch and no job.
    await db.query(`UPDATE eval_runs SET queue_epoch = queue_epoch + 1, updated_at = now() - interval '1 hour' WHERE id = $1`, [lost]);
    const body = { stale_run_seconds: 600, max_runtime_seconds: 7200 };

    expectValidation(await h.http.post('/api/v1/system/queue/jobs/reap-stale').set(bearer(A.admin)).set(idem()).send({ stale_run_seconds: 5 }), [
      'stale_run_seconds',
    ]);
    const dry = expectSuccess(
      await h.http
        .post('/api/v1/system/queue/jobs/reap-stale')
        .set(bearer(A.admin))
        .set(idem())
        .send({ ...body, dry_run: true }),
      200,
    );
    const byRun = (v: any) => Object.fromEntries(v.items.map((i: any) => [i.run_id, [i.reason, i.action]]));
    expect(byRun(dry)).toEqual({ [stale]: ['stale', 'would_fail'], [overlong]: ['timeout', 'would_fail'], [lost]: ['lost_job', 'would_requeue'] });
    expect(dry).toMatchObject({ org_id: A.org_id, dry_run: true, selected: 3, reaped: 0 });
    expect((await getRun(A, stale)).status).toBe('running');
    // org B sees none of it
    expect(
      expectSuccess(
        await h.http
          .post('/api/v1/system/queue/jobs/reap-stale')
          .set(bearer(B.admin))
          .set(idem())
          .send({ ...body, dry_run: true }),
        200,
      ).selected,
    ).toBe(0);

    const real = expectSuccess(await h.http.post('/api/v1/system/queue/jobs/reap-stale').set(bearer(A.admin)).set(idem()).send(body), 200);
    expect(byRun(real)).toEqual({ [stale]: ['stale', 'failed'], [overlong]: ['timeout', 'failed'], [lost]: ['lost_job', 'requeued'] });
    expect(real.reaped).toBe(3);
    expect(await getRun(A, stale)).toMatchObject({ status: 'failed', failure_code: 'EVAL_RUN_STALE' });
    expect(await getRun(A, overlong)).toMatchObject({ status: 'failed', failure_code: 'EVAL_RUN_TIMEOUT' });
    expect(await getRun(A, fresh)).toMatchObject({ status: 'running' });
    expect(await waitFor(A, lost, terminal)).toMatchObject({ status: 'completed', completed_cases: 3 });
    const events = expectSuccess(await h.http.get(`/api/v1/eval/runs/${stale}/events`).set(bearer(A.viewer)), 200).items;
    expect(events.find((e: any) => e.event_type === 'run_reaped').details).toMatchObject({ reason: 'stale' });
    // a second pass finds nothing more to do
    expect(expectSuccess(await h.http.post('/api/v1/system/queue/jobs/reap-stale').set(bearer(A.admin)).set(idem()).send(body), 200).selected).toBe(0);
    await db.query(`UPDATE eval_runs SET status = 'cancelled', completed_at = now() WHERE id = $1`, [fresh]);
  });

  it('prune removes finished jobs older than the retention window: dry run first, then for real', async () => {
    const id = await newRun(B, 6);
    const started = expectSuccess(await h.http.post(`/api/v1/eval/runs/${id}/start`).set(bearer(B.member)), 202);
    await waitFor(B, id, terminal);
    expectSuccess(await h.http.get(`/api/v1/system/queue/jobs/${started.job_id}`).set(bearer(B.admin)), 200);
    const kept = expectSuccess(await h.http.post('/api/v1/system/queue/jobs/prune').set(bearer(B.admin)).set(idem()).send({ retention_days: 1 }), 200);
    expect(kept).toMatchObject({ org_id: B.org_id, retention_days: 1, selected: 0, pruned: 0 });
    const dry = expectSuccess(
      await h.http.post('/api/v1/system/queue/jobs/prune').set(bearer(B.admin)).set(idem()).send({ retention_days: 0, dry_run: true }),
      200,
    );
    expect(dry.selected).toBeGreaterThanOrEqual(4); // start + 2 chunks + finalize of this run, plus earlier runs of B
    expect(dry.pruned).toBe(0);
    expect(dry.job_ids).toContain(started.job_id);
    expect(dry.job_ids.every((j: string) => j.includes('-'))).toBe(true);
    const real = expectSuccess(
      await h.http.post('/api/v1/system/queue/jobs/prune').set(bearer(B.admin)).set(idem()).send({ retention_days: 0, limit: 1000 }),
      200,
    );
    expect(real.pruned).toBe(real.selected);
    expect(real.selected).toBeGreaterThanOrEqual(dry.selected);
    expectError(await h.http.get(`/api/v1/system/queue/jobs/${started.job_id}`).set(bearer(B.admin)), 404, 'NOT_FOUND');
    // org A's jobs were not touched by B's prune
    const stats = expectSuccess(await h.http.get('/api/v1/system/queue/stats').set(bearer(A.admin)), 200);
    expect(stats.queues.find((q: any) => q.name === 'eval-runs').counts.completed).toBeGreaterThan(0);
    // the run rows are untouched
    expect((await getRun(B, id)).status).toBe('completed');
  });

  it('stats: platform-wide for a global key, scoped for an org admin; admin only', async () => {
    const stuck = await stuckRun(A);
    expect(expectSuccess(await h.http.get('/api/v1/system/queue/jobs/failed').set(bearer(A.admin)), 200).total).toBe(2);
    const global = expectSuccess(await h.http.get('/api/v1/system/queue/stats').set(bearer(g.api_key)), 200);
    expect(global.org_id).toBeNull();
    expect(global.queues.map((q: any) => q.name).sort()).toEqual(['eval-runs', 'notifications', 'system']);
    const evalQueue = global.queues.find((q: any) => q.name === 'eval-runs');
    expect(evalQueue.workers).toBeGreaterThanOrEqual(1);
    expect(Object.keys(evalQueue.counts).sort()).toEqual(['active', 'completed', 'delayed', 'failed', 'prioritized', 'waiting', 'waiting_children']);
    const a = expectSuccess(await h.http.get('/api/v1/system/queue/stats').set(bearer(A.admin)), 200);
    const b = expectSuccess(await h.http.get('/api/v1/system/queue/stats').query({ org_id: B.org_id }).set(bearer(g.api_key)), 200);
    expect(a.org_id).toBe(A.org_id);
    expect(a.queues.every((q: any) => q.workers === null && q.global_concurrency === null)).toBe(true);
    const [runsA] = await db.query(
      `SELECT count(*) FILTER (WHERE status = 'completed')::int AS completed, count(*) FILTER (WHERE status = 'failed')::int AS failed FROM eval_runs WHERE org_id = $1`,
      [A.org_id],
    );
    expect(a.runs).toMatchObject(runsA);
    expect(global.runs.completed).toBeGreaterThanOrEqual(a.runs.completed + b.runs.completed);
    expect(a.dead_letter_count).toBe(2);
    expect(a.runs.failed).toBeGreaterThanOrEqual(1);
    expect(b.dead_letter_count).toBe(0);
    expectError(await h.http.get('/api/v1/system/queue/stats').query({ org_id: B.org_id }).set(bearer(A.admin)), 404, 'NOT_FOUND');
    expectError(await h.http.get('/api/v1/system/queue/stats').set(bearer(A.member)), 403, 'FORBIDDEN');
    await stuck.recover();
  });
});
