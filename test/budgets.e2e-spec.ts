import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startTestAgent, TestAgent } from './support/agent-server';
import { createAgent, expectError, expectSuccess, expectValidation, isTerminalRun, waitForRun } from './support/e2e-helpers';
import { FakeOpenAi, startFakeOpenAi, verdictReply } from './support/fake-openai-server';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';
import { ProcessGroup, WORKER_MAIN } from './support/processes';

// Every provider judge call reports these tokens; at the configured price of `judge-priced`
// (2 and 10 USD per million) one call costs 1000 × 2e-6 + 200 × 10e-6 = 0.004 USD.
const USAGE = { prompt_tokens: 1000, completion_tokens: 200, total_tokens: 1200 };
const CALL_COST = 0.004;
const PRICES = { 'judge-priced': { input_per_million_usd: 2, output_per_million_usd: 10 } };

/**
 * Per-run budgets (agent calls, judge tokens, estimated judge cost) stop a run mid-way, in the
 * synchronous execute and on the worker: no case starts once a limit is reached, the run fails with
 * EVAL_RUN_BUDGET_EXCEEDED (event, activity, `eval_run.failed` webhook), the results so far are kept,
 * and the summary's usage adds up to what the judge server reported, at the configured price.
 */
describe('run budgets', () => {
  let h: ApiHarness;
  let db: DataSource;
  let A: OrgKeys;
  let fake: FakeOpenAi;
  let agentServer: TestAgent;
  let webhooks: TestAgent;
  let agent: any;

  const post = (key: string, path: string, body: object) => h.http.post(path).set(bearer(key)).set('Idempotency-Key', randomUUID()).send(body);
  const get = async (path: string) => expectSuccess(await h.http.get(path).set(bearer(A.viewer)), 200);

  /** A golden set of `inputs` (each answered `answer <input>` by the agent) and a run of it with `extra` options. */
  async function runOf(inputs: string[], extra: Record<string, unknown>): Promise<any> {
    const cases = inputs.map((input) => ({ input, expected_answer: `answer ${input}` }));
    const setId = expectSuccess(await post(A.member, '/api/v1/golden-sets/upload', { agent_id: agent.id, name: uniqueName('Set'), cases }), 201).golden_set.id;
    return expectSuccess(await post(A.member, '/api/v1/eval/runs', { agent_id: agent.id, golden_set_id: setId, ...extra }), 202);
  }
  const distinct = (n: number) => Array.from({ length: n }, (_, i) => `${uniqueName('q')} ${i}`);
  const agentCallsFor = (inputs: string[]) => agentServer.calls.filter((c) => inputs.includes(c.input)).length;
  const judgeCallsFor = (inputs: string[]) => fake.requests.filter((r) => inputs.some((i) => String(r.body?.messages?.[1]?.content).includes(i))).length;
  const resultCount = async (runId: string) => Number((await db.query(`SELECT count(*)::int AS n FROM eval_results WHERE run_id = $1`, [runId]))[0].n);

  /** The run failed on its budget, with the webhook event recorded in the outbox; answers its failed-event details. */
  async function expectBudgetFailure(runId: string, budget: string, limit: number): Promise<any> {
    const run = await get(`/api/v1/eval/runs/${runId}`);
    expect(run).toMatchObject({ status: 'failed', failure_code: 'EVAL_RUN_BUDGET_EXCEEDED' });
    expect(run.failure_reason).toContain(`budget of ${limit}`);
    const outbox = await db.query(`SELECT data FROM notification_outbox WHERE event_type = 'eval_run.failed' AND data->>'run_id' = $1`, [runId]);
    expect(outbox).toHaveLength(1);
    expect(outbox[0].data).toMatchObject({ failure_code: 'EVAL_RUN_BUDGET_EXCEEDED', status: 'failed' });
    const events = (await get(`/api/v1/eval/runs/${runId}/events?limit=200`)).items;
    const failed = events.filter((e: any) => e.event_type === 'run_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].details).toMatchObject({ failure_code: 'EVAL_RUN_BUDGET_EXCEEDED', budget, limit });
    const activity = await db.query(`SELECT metadata FROM activity_events WHERE event_type = 'run_failed' AND metadata->>'run_id' = $1`, [runId]);
    expect(activity).toHaveLength(1);
    return failed[0].details;
  }

  beforeAll(async () => {
    fake = await startFakeOpenAi(() =>
      verdictReply(
        { answer_correct: true, source_correct: null, quality_score: 5, criteria_scores: null, issue_tags: [], reasoning: 'right' },
        { usage: USAGE },
      ),
    );
    agentServer = await startTestAgent((input) => ({ body: { output: `answer ${input}` } }));
    webhooks = await startTestAgent(() => ({ body: {} }));
    h = await startApi(
      {
        OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
        OPENAI_API_KEY: 'sk-test-not-a-real-key',
        OPENAI_BASE_URL: fake.url,
        EVAL_JUDGE_MAX_RETRIES: '0',
        EVAL_JUDGE_PRICES: JSON.stringify(PRICES),
        EVAL_SYNC_CONCURRENCY: '1',
        EVAL_WORKER_CHUNK_SIZE: '5',
        EVAL_WORKER_CONCURRENCY: '4',
        NOTIFY_WEBHOOK_URL: webhooks.url,
      },
      { worker: true },
    );
    db = h.app.get(DataSource);
    const g = await globalAdmin(h.config);
    A = await orgWithKeys(h, g.api_key);
    agent = await createAgent(h, A.member, { api_endpoint: agentServer.url });
  });
  afterAll(async () => {
    await h?.close();
    await agentServer?.close();
    await webhooks?.close();
    await fake?.close();
  });

  it('a budget is validated at creation and shown on the run', async () => {
    const run = await runOf(distinct(2), { budget: { max_agent_calls: 5, max_cost_usd: 0.5 }, judge_mode: 'provider', judge_model: 'judge-priced' });
    expect(run.config.budget).toEqual({ max_agent_calls: 5, max_cost_usd: 0.5 });
    const setId = run.golden_set_id;
    const create = (body: object) => post(A.member, '/api/v1/eval/runs', { agent_id: agent.id, golden_set_id: setId, ...body });
    expectValidation(await create({ budget: { max_agent_calls: 0 } }), ['budget.max_agent_calls']);
    expectValidation(await create({ budget: { max_judge_tokens: 1.5 } }), ['budget.max_judge_tokens']);
    expectValidation(await create({ budget: { max_cost_usd: -1 } }), ['budget.max_cost_usd']);
    expectValidation(await create({ budget: { max_calls: 3 } }), []);
    expectValidation(await create({ budget: 5 }), ['budget']);
    // A cost budget needs a price for the judge model; the deterministic judge costs nothing.
    const unpriced = expectValidation(await create({ budget: { max_cost_usd: 1 }, judge_mode: 'provider', judge_model: 'judge-unpriced' }), [
      'budget.max_cost_usd',
    ]);
    expect(unpriced[0].messages[0]).toContain('judge-unpriced');
    expect(expectSuccess(await create({ budget: { max_cost_usd: 1 } }), 202).config.budget).toEqual({ max_cost_usd: 1 });
  });

  it('sync execute: agent calls stop at the limit, the results so far are kept and the answer is 409', async () => {
    const inputs = distinct(10);
    const run = await runOf(inputs, { budget: { max_agent_calls: 4 } });
    const err = expectError(await post(A.member, `/api/v1/eval/runs/${run.id}/execute`, {}), 409, 'EVAL_RUN_BUDGET_EXCEEDED');
    expect(err.details).toMatchObject({ run_id: run.id, run_status: 'failed', budget: 'max_agent_calls', limit: 4, used: 4, result_count: 4, total_cases: 10 });
    await expectBudgetFailure(run.id, 'max_agent_calls', 4);
    expect(agentCallsFor(inputs)).toBe(4);
    expect(await resultCount(run.id)).toBe(4);
    const summary = await get(`/api/v1/eval/runs/${run.id}/summary`);
    expect(summary).toMatchObject({ status: 'failed', result_count: 4 });
    // The deterministic judge spends no tokens and costs nothing.
    expect(summary.usage).toMatchObject({ agent_calls: 4, judge_calls: 4, judge_total_tokens: 0, estimated_cost_usd: 0, unpriced_judge_calls: 0 });
    expect(summary.usage.budget).toMatchObject({ limits: { max_agent_calls: 4 }, agent_calls: 4, exceeded: { budget: 'max_agent_calls', limit: 4, used: 4 } });
  });

  it('sync execute: judge tokens stop the run after the call that reached them; a cache hit is free', async () => {
    const inputs = distinct(8);
    // The second case repeats the first: the judge's verdict is reused, no call, no tokens.
    const cases = [inputs[0], inputs[0], ...inputs.slice(1)];
    const before = fake.requests.length;
    const run = await runOf(cases, { budget: { max_judge_tokens: 3000 }, judge_mode: 'provider', judge_model: 'judge-priced' });
    expectError(await post(A.member, `/api/v1/eval/runs/${run.id}/execute`, {}), 409, 'EVAL_RUN_BUDGET_EXCEEDED');
    // 1200, (cache hit), 2400, 3600 ≥ 3000: the fifth case does not start.
    const details = await expectBudgetFailure(run.id, 'max_judge_tokens', 3000);
    expect(details.used).toBe(3600);
    const calls = fake.requests.length - before;
    expect(calls).toBe(3);
    expect(await resultCount(run.id)).toBe(4);
    const summary = await get(`/api/v1/eval/runs/${run.id}/summary`);
    expect(summary.usage).toMatchObject({
      agent_calls: 4,
      judge_calls: calls,
      judge_cache_hits: 1,
      judge_prompt_tokens: calls * USAGE.prompt_tokens,
      judge_completion_tokens: calls * USAGE.completion_tokens,
      judge_total_tokens: calls * USAGE.total_tokens,
      unpriced_judge_calls: 0,
    });
    expect(summary.usage.estimated_cost_usd).toBeCloseTo(calls * CALL_COST, 9);
    const artifacts = (await get(`/api/v1/eval/runs/${run.id}/artifacts?limit=50`)).items;
    expect(artifacts.map((a: any) => a.judge_cost_usd).sort()).toEqual([0, CALL_COST, CALL_COST, CALL_COST]);
  });

  it('worker: the cost budget stops a run fanned out over chunks; the summary adds up to what the judge server reported', async () => {
    const inputs = distinct(20);
    const run = await runOf(inputs, { budget: { max_cost_usd: 0.01 }, judge_mode: 'provider', judge_model: 'judge-priced' });
    expectSuccess(await post(A.member, `/api/v1/eval/runs/${run.id}/start`, {}), 202);
    await waitForRun(h, A.viewer, run.id, isTerminalRun);
    const details = await expectBudgetFailure(run.id, 'max_cost_usd', 0.01);
    expect(details.used).toBeGreaterThanOrEqual(0.01);
    const results = await resultCount(run.id);
    const calls = judgeCallsFor(inputs);
    // Three calls reach 0.012; cases already in flight (at most the worker's 4 slots) may finish.
    expect(results).toBeGreaterThanOrEqual(3);
    expect(results).toBeLessThan(20);
    expect(calls).toBe(results);
    expect(agentCallsFor(inputs)).toBe(results);
    const summary = await get(`/api/v1/eval/runs/${run.id}/summary`);
    expect(summary.usage).toMatchObject({ agent_calls: results, judge_calls: calls, judge_total_tokens: calls * USAGE.total_tokens, unpriced_judge_calls: 0 });
    expect(summary.usage.estimated_cost_usd).toBeCloseTo(calls * CALL_COST, 9);
    expect(summary.usage.budget.cost_usd).toBeCloseTo(calls * CALL_COST, 9);
  });

  it('worker: agent calls are never exceeded across chunks; start executes the run afresh with the same budget', async () => {
    const inputs = distinct(20);
    const run = await runOf(inputs, { budget: { max_agent_calls: 7 } });
    expectSuccess(await post(A.member, `/api/v1/eval/runs/${run.id}/start`, {}), 202);
    await waitForRun(h, A.viewer, run.id, isTerminalRun);
    await expectBudgetFailure(run.id, 'max_agent_calls', 7);
    expect(agentCallsFor(inputs)).toBe(7);
    expect(await resultCount(run.id)).toBe(7);

    // A budget failure is the run's own configuration, not ours: start clears the results and runs it again.
    const again = expectSuccess(await post(A.member, `/api/v1/eval/runs/${run.id}/start`, {}), 202);
    expect(again).toMatchObject({ enqueued: true, reopened: true });
    const rerun = await waitForRun(h, A.viewer, run.id, isTerminalRun);
    expect(rerun).toMatchObject({ status: 'failed', failure_code: 'EVAL_RUN_BUDGET_EXCEEDED', completed_cases: 7 });
    expect(agentCallsFor(inputs)).toBe(14);
    expect((await get(`/api/v1/eval/runs/${run.id}/summary`)).usage.budget).toMatchObject({ agent_calls: 7, exceeded: { budget: 'max_agent_calls' } });
  });
});

/** Two worker processes execute chunks of one run at once: the budget is one, shared through the database. */
describe('run budgets across worker processes', () => {
  const group = new ProcessGroup();
  let h: ApiHarness;
  let A: OrgKeys;
  let fake: FakeOpenAi;
  let agentServer: TestAgent;

  const shared = {
    OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
    OPENAI_API_KEY: 'sk-test-not-a-real-key',
    EVAL_JUDGE_MAX_RETRIES: '0',
    EVAL_JUDGE_PRICES: JSON.stringify(PRICES),
  };

  beforeAll(async () => {
    fake = await startFakeOpenAi(() =>
      verdictReply(
        { answer_correct: true, source_correct: null, quality_score: 5, criteria_scores: null, issue_tags: [], reasoning: 'right' },
        { usage: USAGE },
      ),
    );
    agentServer = await startTestAgent((input) => ({ body: { output: `answer ${input}` }, delay_ms: 15 }));
    h = await startApi({ ...shared, OPENAI_BASE_URL: fake.url });
    A = await orgWithKeys(h, (await globalAdmin(h.config)).api_key);
    for (let i = 0; i < 2; i++) {
      group.spawnApp(WORKER_MAIN, {
        ...shared,
        OPENAI_BASE_URL: fake.url,
        WORKER_PORT: '0',
        EVAL_WORKER_CHUNK_SIZE: '3',
        EVAL_WORKER_CONCURRENCY: '6',
      });
    }
  });
  afterAll(async () => {
    await group.killAll();
    await h?.close();
    await agentServer?.close();
    await fake?.close();
  });

  it('agent calls stop exactly at the limit, and judge tokens add up across both workers', async () => {
    const agent = await createAgent(h, A.member, { api_endpoint: agentServer.url });
    const inputs = Array.from({ length: 60 }, (_, i) => `${uniqueName('w')} ${i}`);
    const cases = inputs.map((input) => ({ input, expected_answer: `answer ${input}` }));
    const member = (path: string, body: object) => h.http.post(path).set(bearer(A.member)).send(body);
    const setId = expectSuccess(await member('/api/v1/golden-sets/upload', { agent_id: agent.id, name: uniqueName('Set'), cases }), 201).golden_set.id;
    const budget = { max_agent_calls: 23 };
    const run = expectSuccess(
      await member('/api/v1/eval/runs', { agent_id: agent.id, golden_set_id: setId, budget, judge_mode: 'provider', judge_model: 'judge-priced' }),
      202,
    );
    expectSuccess(await member(`/api/v1/eval/runs/${run.id}/start`, {}), 202);
    const done = await waitForRun(h, A.viewer, run.id, isTerminalRun, 60_000);
    expect(done).toMatchObject({ status: 'failed', failure_code: 'EVAL_RUN_BUDGET_EXCEEDED', completed_cases: 23 });
    expect(agentServer.calls.filter((c) => inputs.includes(c.input))).toHaveLength(23);
    const summary = expectSuccess(await h.http.get(`/api/v1/eval/runs/${run.id}/summary`).set(bearer(A.viewer)), 200);
    expect(summary.usage).toMatchObject({ agent_calls: 23, judge_calls: 23, judge_total_tokens: 23 * USAGE.total_tokens });
    expect(summary.usage.estimated_cost_usd).toBeCloseTo(23 * CALL_COST, 9);
    expect(summary.usage.budget).toMatchObject({ agent_calls: 23, judge_tokens: 23 * USAGE.total_tokens, exceeded: { budget: 'max_agent_calls', limit: 23 } });
    // One run, fanned out as 20 chunks for the two workers to share.
    const fanned = expectSuccess(await h.http.get(`/api/v1/eval/runs/${run.id}/events`).set(bearer(A.viewer)), 200).items;
    expect(fanned.find((e: any) => e.event_type === 'run_fanned_out').details.chunks).toBe(20);
  }, 90_000);
});
