import { DataSource } from 'typeorm';
import { NotificationOutbox } from '@greenlight/notifications';
import { Clock } from '@greenlight/platform';
import { startTestAgent, TestAgent } from './support/agent-server';
import { expectError, expectSuccess, newRunOfCases } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi } from './support/harness';

/**
 * Every state move of a run writes its event (`GET .../events`), its activity row and its webhook
 * notification in one transaction, whichever path makes it: the synchronous execute, a cancel, the
 * stale-run reaper.
 */
describe('run lifecycle: every move leaves its events', () => {
  let h: ApiHarness;
  let o: OrgKeys;
  let agent: TestAgent;
  let db: DataSource;
  let failing = false;

  beforeAll(async () => {
    agent = await startTestAgent((input) =>
      failing ? { status: 400, body: { error: 'no' } } : { body: { output: `answer ${/case (\d+)/.exec(input)?.[1]}` } },
    );
    h = await startApi({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    o = await orgWithKeys(h, (await globalAdmin(h.config)).api_key);
    db = h.app.get(DataSource);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await h.close();
    await agent.close();
  });

  const events = async (id: string) =>
    expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}/events`).set(bearer(o.viewer)), 200).items as { event_type: string; details: any }[];
  const activity = async (id: string): Promise<string[]> =>
    (await db.query(`SELECT event_type FROM activity_events WHERE metadata->>'run_id' = $1 ORDER BY created_at, id`, [id])).map((r: any) => r.event_type);
  const execute = (id: string) => h.http.post(`/api/v1/eval/runs/${id}/execute`).set(bearer(o.member));

  it('a synchronous execute records run_started and run_completed, with the activity rows', async () => {
    failing = false;
    const id = await newRunOfCases(h, o, agent.url, 3);
    expect(expectSuccess(await execute(id), 200).run).toMatchObject({ status: 'completed', completed_cases: 3 });
    const items = await events(id);
    expect(items.map((e) => e.event_type)).toEqual(['run_started', 'run_completed']);
    expect(items[0].details).toEqual({ epoch: 1, execution: 'sync' });
    expect(items[1].details).toEqual({ completed_cases: 3, failure_code: null, execution: 'sync' });
    expect(await activity(id)).toEqual(['run_created', 'run_completed']);
  });

  it('a synchronous execute whose every case fails records run_failed with the code', async () => {
    failing = true;
    const id = await newRunOfCases(h, o, agent.url, 2);
    expect(expectSuccess(await execute(id), 200).run).toMatchObject({ status: 'failed', failure_code: 'EVAL_EXECUTOR_RUNTIME_ERROR' });
    const items = await events(id);
    expect(items.map((e) => e.event_type)).toEqual(['run_started', 'run_failed']);
    expect(items[1].details).toMatchObject({ completed_cases: 2, failure_code: 'EVAL_EXECUTOR_RUNTIME_ERROR', execution: 'sync' });
    expect(await activity(id)).toEqual(['run_created', 'run_failed']);
    failing = false;
  });

  it('a terminal move whose notification cannot be recorded rolls back whole: no half-finished run', async () => {
    failing = false;
    const id = await newRunOfCases(h, o, agent.url, 2);
    // The completion's outbox write fails once: the status, the event and the activity row must go with it.
    jest.spyOn(h.app.get(NotificationOutbox), 'record').mockRejectedValueOnce(new Error('outbox unavailable'));
    expectError(await execute(id), 500, 'INTERNAL_ERROR');
    const run = expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}`).set(bearer(o.viewer)), 200);
    // The execution then failed the run (that move's notification was recorded).
    expect(run).toMatchObject({ status: 'failed', failure_code: 'INTERNAL_ERROR' });
    expect((await events(id)).map((e) => e.event_type)).toEqual(['run_started', 'run_failed']);
    expect(await activity(id)).toEqual(['run_created', 'run_failed']);
  });

  it('cancelling a pending run records run_cancelled', async () => {
    const id = await newRunOfCases(h, o, agent.url, 1);
    expectSuccess(await h.http.post(`/api/v1/eval/runs/${id}/cancel`).set(bearer(o.member)), 200);
    const items = await events(id);
    expect(items.map((e) => e.event_type)).toEqual(['run_cancelled']);
    expect(items[0].details).toMatchObject({ from: 'pending' });
  });

  it('a synchronous execute whose process died is reaped once its stale time has passed on the clock: run_reaped, no run_failed', async () => {
    const id = await newRunOfCases(h, o, agent.url, 2);
    // What a dead execute leaves: running at a claimed epoch, no job.
    await db.query(`UPDATE eval_runs SET status = 'running', started_at = now(), queue_epoch = queue_epoch + 1 WHERE id = $1`, [id]);
    const reap = () =>
      h.http
        .post('/api/v1/system/queue/jobs/reap-stale')
        .set(bearer(o.admin))
        .set('Idempotency-Key', `reap-${id}-${Math.random()}`)
        .send({ stale_run_seconds: 600, max_runtime_seconds: 86_400 });
    expect(expectSuccess(await reap(), 200).items).toEqual([]);
    const clock = h.app.get(Clock);
    const now = clock.now();
    const later = jest.spyOn(clock, 'now').mockReturnValue(now + 601_000);
    try {
      const reaped = expectSuccess(await reap(), 200);
      expect(reaped.items).toEqual([expect.objectContaining({ run_id: id, reason: 'stale', action: 'failed' })]);
    } finally {
      later.mockRestore();
    }
    const run = expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}`).set(bearer(o.viewer)), 200);
    expect(run).toMatchObject({ status: 'failed', failure_code: 'EVAL_RUN_STALE' });
    const items = await events(id);
    expect(items.map((e) => e.event_type)).toEqual(['run_reaped']);
    expect(items[0].details).toMatchObject({ reason: 'stale', action: 'failed', failure_code: 'EVAL_RUN_STALE', detected_by: 'reaper' });
    expect(await activity(id)).toEqual(['run_created', 'run_reaped']);
  });
});
