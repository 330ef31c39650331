import { startTestAgent, TestAgent } from './support/agent-server';
import { QueueName } from '@greenlight/contracts';
import { JobProducer } from '@greenlight/queue';
import { expectError, expectSuccess, isTerminalRun, newRunOfCases, waitForRun, waitUntil, createAgent } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';

const WORKER_ENV = {
  OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
  EVAL_WORKER_CHUNK_SIZE: '5',
  EVAL_WORKER_CONCURRENCY: '8',
  EVAL_WORKER_BACKOFF_MS: '50',
  EVAL_WORKER_MAX_BACKOFF_MS: '200',
  EVAL_WORKER_LOCK_MS: '5000',
  EVAL_AGENT_TIMEOUT_MS: '3000',
};

/** Runs executed by the real worker through BullMQ (start, cancel, events, retries, fairness). */
describe('async runs on BullMQ', () => {
  let h: ApiHarness;
  let A: OrgKeys;
  let B: OrgKeys;
  let agent: TestAgent;
  const failuresLeft = new Map<string, number>();
  let mode: 'ok' | 'slow' | 'flaky' | 'broken' = 'ok';

  beforeAll(async () => {
    agent = await startTestAgent((input) => {
      const i = Number(/case (\d+)/.exec(input)?.[1] ?? 0);
      if (mode === 'broken') return { status: 400, body: { error: 'bad request' } };
      if (mode === 'flaky') {
        const left = failuresLeft.get(input) ?? 1;
        if (left > 0) {
          failuresLeft.set(input, left - 1);
          return { status: 503, body: 'try again' };
        }
      }
      return { body: { output: `answer ${i}` }, delay_ms: mode === 'slow' ? 40 : 0 };
    });
    h = await startApi(WORKER_ENV, { worker: true });
    const g = await globalAdmin(h.config);
    [A, B] = await Promise.all([orgWithKeys(h, g.api_key), orgWithKeys(h, g.api_key)]);
  });
  afterAll(async () => {
    await h.close();
    await agent.close();
  });

  const newRun = (keys: OrgKeys, n: number) => newRunOfCases(h, keys, agent.url, n);

  const getRun = async (keys: OrgKeys, id: string) => expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}`).set(bearer(keys.viewer)), 200);

  const waitFor = (keys: OrgKeys, id: string, pred: (run: any) => boolean) => waitForRun(h, keys.viewer, id, pred);

  const terminal = isTerminalRun;

  /** The finalize job of the epoch a start job belongs to (`start-<run>-<epoch>` → `finalize-<run>-<epoch>`). */
  const finalizeJob = (startJobId: string) =>
    h.app
      .get(JobProducer)
      .queue(QueueName.EvalRuns)
      .getJob(startJobId.replace(/^start-/, 'finalize-'));

  it('start → the worker completes the run; a second start is deduplicated; events tell the story', async () => {
    mode = 'ok';
    const id = await newRun(A, 23);
    const first = expectSuccess(await h.http.post(`/api/v1/eval/runs/${id}/start`).set(bearer(A.member)), 202);
    expect(first).toMatchObject({ enqueued: true, reopened: false });
    const second = expectSuccess(await h.http.post(`/api/v1/eval/runs/${id}/start`).set(bearer(A.member)), 202);
    expect(second.enqueued).toBe(false);
    const run = await waitFor(A, id, terminal);
    expect(run).toMatchObject({ status: 'completed', completed_cases: 23, total_cases: 23, progress: 1 });
    const summary = expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}/summary`).set(bearer(A.viewer)), 200);
    expect(summary).toMatchObject({ result_count: 23, error_count: 0, answer: { correct: 23 } });
    const events = expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}/events`).set(bearer(A.viewer)), 200);
    const types = events.items.map((e: { event_type: string }) => e.event_type);
    expect(types).toEqual(expect.arrayContaining(['run_queued', 'run_queue_deduplicated', 'run_started', 'run_fanned_out', 'run_completed']));
    expect(types.indexOf('run_started')).toBeLessThan(types.indexOf('run_completed'));
    expect(events.items.find((e: any) => e.event_type === 'run_fanned_out').details).toMatchObject({ chunks: 5, chunk_size: 5 });
  });

  it('starting a finished run reopens it and executes it afresh', async () => {
    mode = 'ok';
    const id = await newRun(A, 6);
    expectSuccess(await h.http.post(`/api/v1/eval/runs/${id}/start`).set(bearer(A.member)), 202);
    await waitFor(A, id, terminal);
    const again = expectSuccess(await h.http.post(`/api/v1/eval/runs/${id}/start`).set(bearer(A.member)), 202);
    expect(again).toMatchObject({ enqueued: true, reopened: true });
    // The answer shows the run as it is by then: the worker may already have picked it up.
    expect(['pending', 'running']).toContain(again.run.status);
    const run = await waitFor(A, id, terminal);
    expect(run).toMatchObject({ status: 'completed', completed_cases: 6 });
    const results = expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}/results`).set(bearer(A.viewer)), 200);
    expect(results.total).toBe(6);
  });

  it('cancel mid-run stops the workers between cases', async () => {
    mode = 'slow';
    const id = await newRun(A, 60);
    const callsBefore = agent.calls.length;
    const started = expectSuccess(await h.http.post(`/api/v1/eval/runs/${id}/start`).set(bearer(A.member)), 202);
    await waitFor(A, id, (r) => r.completed_cases >= 5);
    const res = expectSuccess(await h.http.post(`/api/v1/eval/runs/${id}/cancel`).set(bearer(A.member)), 200);
    expect(res).toMatchObject({ cancelled: true, run: { status: 'cancelled' } });
    const results = expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}/results`).set(bearer(A.viewer)), 200).total;
    // Every chunk has stopped once the finalize job of the start's epoch is done (it waits for all of them).
    await waitUntil("the run's chunks to stop", async () => (await finalizeJob(started.job_id))?.finishedOn, 20_000);
    const later = expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}/results`).set(bearer(A.viewer)), 200).total;
    expect((await getRun(A, id)).status).toBe('cancelled');
    expect(later).toBe(results);
    expect(results).toBeLessThan(60);
    // The cases not started before the workers saw the cancel were never sent to the agent.
    expect(agent.calls.length - callsBefore).toBeLessThan(60);
    const again = expectSuccess(await h.http.post(`/api/v1/eval/runs/${id}/cancel`).set(bearer(A.member)), 200);
    expect(again.cancelled).toBe(false);
  });

  it('transient agent errors are retried with backoff until every case succeeds', async () => {
    mode = 'flaky';
    failuresLeft.clear();
    const id = await newRun(A, 10);
    expectSuccess(await h.http.post(`/api/v1/eval/runs/${id}/start`).set(bearer(A.member)), 202);
    const run = await waitFor(A, id, terminal);
    expect(run.status).toBe('completed');
    const summary = expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}/summary`).set(bearer(A.viewer)), 200);
    expect(summary).toMatchObject({ result_count: 10, error_count: 0, answer: { correct: 10 } });
  });

  it('permanent agent errors fail at once: error results, and the run fails', async () => {
    mode = 'broken';
    const id = await newRun(A, 7);
    const calls = agent.calls.length;
    expectSuccess(await h.http.post(`/api/v1/eval/runs/${id}/start`).set(bearer(A.member)), 202);
    const run = await waitFor(A, id, terminal);
    expect(run).toMatchObject({ status: 'failed', failure_code: 'EVAL_EXECUTOR_RUNTIME_ERROR', completed_cases: 7 });
    // a 400 is not retried: one call per case
    expect(agent.calls.length - calls).toBe(7);
  });

  it("fairness: a small org's run finishes while a big one is still running", async () => {
    mode = 'slow';
    const big = await newRun(A, 400);
    const small = await newRun(B, 5);
    expectSuccess(await h.http.post(`/api/v1/eval/runs/${big}/start`).set(bearer(A.member)), 202);
    await waitFor(A, big, (r) => r.status === 'running' && r.completed_cases > 0);
    expectSuccess(await h.http.post(`/api/v1/eval/runs/${small}/start`).set(bearer(B.member)), 202);
    const smallDone = await waitFor(B, small, terminal);
    expect(smallDone.status).toBe('completed');
    const bigNow = await getRun(A, big);
    expect(bigNow.status).toBe('running');
    expect(bigNow.completed_cases).toBeLessThan(400);
    expectSuccess(await h.http.post(`/api/v1/eval/runs/${big}/cancel`).set(bearer(A.member)), 200);
  });

  it('roles and tenancy on start, cancel and events', async () => {
    mode = 'ok';
    const id = await newRun(A, 1);
    expectError(await h.http.post(`/api/v1/eval/runs/${id}/start`).set(bearer(A.viewer)), 403, 'FORBIDDEN');
    expectError(await h.http.post(`/api/v1/eval/runs/${id}/cancel`).set(bearer(A.viewer)), 403, 'FORBIDDEN');
    expectError(await h.http.post(`/api/v1/eval/runs/${id}/start`).set(bearer(B.admin)), 404, 'NOT_FOUND');
    expectError(await h.http.post(`/api/v1/eval/runs/${id}/cancel`).set(bearer(B.admin)), 404, 'NOT_FOUND');
    expectError(await h.http.get(`/api/v1/eval/runs/${id}/events`).set(bearer(B.admin)), 404, 'NOT_FOUND');
    expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}/events`).set(bearer(A.viewer)), 200);
  });
});

describe('execute and start on the same run never execute it twice', () => {
  let h: ApiHarness;
  let o: OrgKeys;
  let agent: TestAgent;

  beforeAll(async () => {
    agent = await startTestAgent((input) => ({ body: { output: input }, delay_ms: 5 }));
    h = await startApi(WORKER_ENV, { worker: true });
    o = await orgWithKeys(h, (await globalAdmin(h.config)).api_key);
  });
  afterAll(async () => {
    await h.close();
    await agent.close();
  });

  it('start then execute at once: one execution wins, every case is called once', async () => {
    const agentId = (await createAgent(h, o.member, { api_endpoint: agent.url })).id;
    const cases = Array.from({ length: 20 }, (_, i) => ({ input: `q ${i} ${uniqueName('x')}`, expected_answer: 'a' }));
    const setId = expectSuccess(
      await h.http
        .post('/api/v1/golden-sets/upload')
        .set(bearer(o.member))
        .send({ agent_id: agentId, name: uniqueName('S'), cases }),
      201,
    ).golden_set.id;
    const id = expectSuccess(await h.http.post('/api/v1/eval/runs').set(bearer(o.member)).send({ agent_id: agentId, golden_set_id: setId }), 202).id;
    const before = agent.calls.length;
    const [start, execute] = await Promise.all([
      h.http.post(`/api/v1/eval/runs/${id}/start`).set(bearer(o.member)),
      h.http.post(`/api/v1/eval/runs/${id}/execute`).set(bearer(o.member)),
    ]);
    expect(start.status).toBe(202);
    expect([200, 409]).toContain(execute.status);
    const run = await waitForRun(h, o.viewer, id, isTerminalRun, 20_000);
    expect(run).toMatchObject({ status: 'completed', completed_cases: 20 });
    // Whichever execution lost must not call the agent late: wait until no job of the queue is left.
    const queue = h.app.get(JobProducer).queue(QueueName.EvalRuns);
    await waitUntil(
      'the queue to be idle',
      async () => Object.values(await queue.getJobCounts('active', 'waiting', 'prioritized', 'delayed', 'waiting-children')).every((n) => n === 0),
      20_000,
    );
    expect(agent.calls.length - before).toBe(20);
  });
});
