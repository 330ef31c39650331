import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { buildDataSourceOptions, dropDatabase, ensureDatabase } from '@greenlight/database';
import { MIGRATIONS } from '../migrations';
import { startTestAgent, TestAgent } from './support/agent-server';
import { FakeOpenAi, startFakeOpenAi, verdictReply } from './support/fake-openai-server';
import { expectError, expectSuccess, isTerminalRun, waitForRun, createAgent } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';

const ENV = {
  OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
  EVAL_WORKER_CHUNK_SIZE: '3',
  EVAL_WORKER_CONCURRENCY: '8',
  EVAL_AGENT_TIMEOUT_MS: '3000',
};

/**
 * Repeated trials: each case is executed and judged `trials` times. The agent answers the cases marked
 * "flaky" right on its odd calls for them and wrong on the even ones, so exactly those cases disagree.
 */
describe('repeated trials per case', () => {
  let h: ApiHarness;
  let A: OrgKeys;
  let agent: TestAgent;
  const callsPerInput = new Map<string, number>();

  beforeAll(async () => {
    agent = await startTestAgent((input) => {
      const i = Number(/case (\d+)/.exec(input)?.[1] ?? 0);
      const n = (callsPerInput.get(input) ?? 0) + 1;
      callsPerInput.set(input, n);
      const right = !input.includes('flaky') || n % 2 === 1;
      return { body: { output: right ? `answer ${i}` : 'something else entirely' } };
    });
    h = await startApi(ENV, { worker: true });
    const g = await globalAdmin(h.config);
    A = await orgWithKeys(h, g.api_key);
  });
  afterAll(async () => {
    await h.close();
    await agent.close();
  });

  /** A golden set of `n` cases (those in `flaky` marked so) for a new agent; its case ids by index. */
  async function setOf(n: number, flaky: number[]): Promise<{ agentId: string; setId: string; caseIds: string[] }> {
    const agentId = (await createAgent(h, A.member, { api_endpoint: agent.url })).id;
    const cases = Array.from({ length: n }, (_, i) => ({
      input: `case ${i} ${flaky.includes(i) ? 'flaky' : 'steady'} ${uniqueName('q')}`,
      expected_answer: `answer ${i}`,
    }));
    const setId = expectSuccess(
      await h.http
        .post('/api/v1/golden-sets/upload')
        .set(bearer(A.member))
        .send({ agent_id: agentId, name: uniqueName('S'), cases }),
      201,
    ).golden_set.id;
    const rows: { id: string }[] = await h.app.get(DataSource).query(`SELECT id FROM golden_set_cases WHERE golden_set_id = $1 ORDER BY position`, [setId]);
    return { agentId, setId, caseIds: rows.map((r) => r.id) };
  }

  const createRun = (body: Record<string, unknown>) => h.http.post('/api/v1/eval/runs').set(bearer(A.member)).send(body);

  /** The stored trials of a run: case id → sorted trial numbers. */
  async function storedTrials(runId: string, table = 'eval_results'): Promise<Map<string, number[]>> {
    const rows: { case_id: string; trial: number }[] = await h.app
      .get(DataSource)
      .query(`SELECT case_id, trial FROM ${table} WHERE run_id = $1 ORDER BY case_id, trial`, [runId]);
    const out = new Map<string, number[]>();
    for (const r of rows) out.set(r.case_id, [...(out.get(r.case_id) ?? []), r.trial]);
    return out;
  }

  function expectEveryTrial(stored: Map<string, number[]>, caseIds: string[], trials: number): void {
    expect([...stored.keys()].sort()).toEqual([...caseIds].sort());
    const all = Array.from({ length: trials }, (_, i) => i + 1);
    for (const id of caseIds) expect(stored.get(id)).toEqual(all);
  }

  it('execute runs every case `trials` times and names the flaky cases with their pass rates', async () => {
    const { agentId, setId, caseIds } = await setOf(6, [1, 4]);
    const run = expectSuccess(await createRun({ agent_id: agentId, golden_set_id: setId, trials: 2 }), 202);
    expect(run).toMatchObject({ total_cases: 12, completed_cases: 0, config: { trials: 2 } });
    const out = expectSuccess(await h.http.post(`/api/v1/eval/runs/${run.id}/execute`).set(bearer(A.member)), 200);
    expect(out.run).toMatchObject({ status: 'completed', total_cases: 12, completed_cases: 12, progress: 1 });
    expect(out.summary).toMatchObject({ trials: 2, result_count: 12, passed_count: 10, pass_rate: 0.8333 });
    expect(out.summary.flaky_cases).toEqual([caseIds[1], caseIds[4]].sort().map((case_id) => ({ case_id, trials: 2, passed: 1, pass_rate: 0.5 })));
    expect(out.summary.case_pass_rates).toHaveLength(6);
    expectEveryTrial(await storedTrials(run.id), caseIds, 2);
    expectEveryTrial(await storedTrials(run.id, 'eval_run_artifacts'), caseIds, 2);
    const summary = expectSuccess(await h.http.get(`/api/v1/eval/runs/${run.id}/summary`).set(bearer(A.viewer)), 200);
    expect(summary).toEqual(out.summary);
    const results = expectSuccess(await h.http.get(`/api/v1/eval/runs/${run.id}/results?limit=100`).set(bearer(A.viewer)), 200);
    expect(results.items.map((r: { trial: number }) => r.trial).sort()).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]);
  });

  it('the queued start runs every (case, trial) pair once, through chunks and finalize', async () => {
    const { agentId, setId, caseIds } = await setOf(7, [2]);
    const run = expectSuccess(await createRun({ agent_id: agentId, golden_set_id: setId, trials: 3 }), 202);
    expectSuccess(await h.http.post(`/api/v1/eval/runs/${run.id}/start`).set(bearer(A.member)), 202);
    const done = await waitForRun(h, A.viewer, run.id, isTerminalRun);
    expect(done).toMatchObject({ status: 'completed', total_cases: 21, completed_cases: 21, progress: 1 });
    expectEveryTrial(await storedTrials(run.id), caseIds, 3);
    const summary = expectSuccess(await h.http.get(`/api/v1/eval/runs/${run.id}/summary`).set(bearer(A.viewer)), 200);
    expect(summary.flaky_cases).toEqual([{ case_id: caseIds[2], trials: 3, passed: 2, pass_rate: 0.6667 }]);
    expect(summary).toMatchObject({ trials: 3, result_count: 21, passed_count: 20 });
  });

  it('one trial keeps the summary and the results as they were', async () => {
    const { agentId, setId, caseIds } = await setOf(3, [0]);
    const run = expectSuccess(await createRun({ agent_id: agentId, golden_set_id: setId }), 202);
    expect(run).toMatchObject({ total_cases: 3, config: { trials: 1 } });
    const out = expectSuccess(await h.http.post(`/api/v1/eval/runs/${run.id}/execute`).set(bearer(A.member)), 200);
    expect(out.summary).not.toHaveProperty('flaky_cases');
    expect(out.summary).not.toHaveProperty('trials');
    expectEveryTrial(await storedTrials(run.id), caseIds, 1);
  });

  it('a template carries trials; a run may override them', async () => {
    const { agentId, setId } = await setOf(2, []);
    const template = expectSuccess(
      await h.http
        .post('/api/v1/eval/templates')
        .set(bearer(A.member))
        .send({ name: uniqueName('T'), agent_type: 'search_retrieval', golden_set_id: setId, config: { trials: 4 } }),
      201,
    );
    const fromTemplate = expectSuccess(await createRun({ agent_id: agentId, template_id: template.id }), 202);
    expect(fromTemplate).toMatchObject({ total_cases: 8, config: { trials: 4 } });
    const overridden = expectSuccess(await createRun({ agent_id: agentId, template_id: template.id, trials: 1 }), 202);
    expect(overridden).toMatchObject({ total_cases: 2, config: { trials: 1 } });
  });

  it.each([0, 11, 2.5])('trials %p is refused with 400', async (trials) => {
    const { agentId, setId } = await setOf(1, []);
    expectError(await createRun({ agent_id: agentId, golden_set_id: setId, trials }), 400, 'VALIDATION_ERROR');
  });
});

/** Upgrading keeps every stored result as trial 1 of its case; going back drops the later trials. */
describe('migration: results per trial', () => {
  let url: string;
  let db: DataSource | null = null;

  beforeAll(async () => {
    const u = new URL(process.env.DATABASE_URL!);
    u.pathname = `/${u.pathname.slice(1)}_trials_${randomBytes(3).toString('hex')}`;
    url = u.toString();
    await ensureDatabase(url);
  });
  afterAll(async () => {
    if (db?.isInitialized) await db.destroy();
    await dropDatabase(url);
  });

  it('existing results become trial 1; a second trial needs the new key; revert deletes later trials', async () => {
    const at = MIGRATIONS.findIndex((m) => m.name === 'RunTrials1763860000000');
    expect(at).toBeGreaterThan(0);
    const config = AppConfig.fromEnv({ ...process.env, DATABASE_URL: url });
    db = new DataSource({ ...buildDataSourceOptions(config), migrations: MIGRATIONS.slice(0, at + 1), extra: { max: 2 } });
    await db.initialize();
    await db.runMigrations({ transaction: 'each' });
    await db.undoLastMigration({ transaction: 'each' });

    const [{ id: org }] = await db.query(`INSERT INTO orgs (name) VALUES ('Old Org') RETURNING id`);
    const [{ id: agent }] = await db.query(`INSERT INTO agents (org_id, name, agent_type) VALUES ($1, 'A', 'search_retrieval') RETURNING id`, [org]);
    const [{ id: set }] = await db.query(`INSERT INTO golden_sets (org_id, agent_id, name, source_format) VALUES ($1, $2, 'S', 'json') RETURNING id`, [
      org,
      agent,
    ]);
    const [{ id: kase }] = await db.query(
      `INSERT INTO golden_set_cases (golden_set_id, org_id, position, input, evaluation_mode, expected_answer) VALUES ($1, $2, 0, 'q', 'answer', 'a') RETURNING id`,
      [set, org],
    );
    const [{ id: run }] = await db.query(
      `INSERT INTO eval_runs (org_id, agent_id, golden_set_id, config, total_cases) VALUES ($1, $2, $3, '{}', 1) RETURNING id`,
      [org, agent, set],
    );
    const result = (trial?: number) =>
      db!.query(
        `INSERT INTO eval_results (run_id, org_id, case_id, evaluation_mode, status, error_code${trial ? ', trial' : ''})
         VALUES ($1, $2, $3, 'answer', 'error', 'X'${trial ? `, ${trial}` : ''}) RETURNING id`,
        [run, org, kase],
      );
    const [{ id: old }] = await result();
    await db.query(
      `INSERT INTO eval_run_artifacts (run_id, result_id, case_id, org_id, evaluation_mode, judge_mode, judge_prompt_version, judge_prompt_hash, executor_mode)
       VALUES ($1, $2, $3, $4, 'answer', 'deterministic', 'v', 'h', 'simulated')`,
      [run, old, kase, org],
    );

    await db.runMigrations({ transaction: 'each' });
    expect(await db.query(`SELECT trial FROM eval_results WHERE run_id = $1`, [run])).toEqual([{ trial: 1 }]);
    expect(await db.query(`SELECT trial FROM eval_run_artifacts WHERE run_id = $1`, [run])).toEqual([{ trial: 1 }]);
    await result(2);
    await expect(result(2)).rejects.toThrow(/eval_results_one_per_trial/);
    await expect(result(11)).rejects.toThrow(/eval_results_trial_range/);

    await db.undoLastMigration({ transaction: 'each' });
    expect(await db.query(`SELECT id FROM eval_results WHERE run_id = $1`, [run])).toEqual([{ id: old }]);
    await expect(result()).rejects.toThrow(/eval_results_one_per_case/);
  });
});

/** A provider judge sees every trial after the first afresh, though the agent's answer is the same. */
describe('repeated trials with the provider judge', () => {
  let h: ApiHarness;
  let o: OrgKeys;
  let fake: FakeOpenAi;
  let agent: TestAgent;
  let judged = 0;

  beforeAll(async () => {
    fake = await startFakeOpenAi(() => {
      judged++;
      // The judge disagrees with itself on its second verdict: a flaky case the agent is not to blame for.
      const right = judged !== 2;
      return verdictReply({ answer_correct: right, source_correct: null, quality_score: right ? 5 : 2, criteria_scores: null, issue_tags: [], reasoning: 'r' });
    });
    agent = await startTestAgent(() => ({ body: { output: 'Paris' } }));
    h = await startApi({
      OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
      OPENAI_API_KEY: 'sk-test-not-a-real-key',
      OPENAI_BASE_URL: fake.url,
      EVAL_JUDGE_MAX_RETRIES: '0',
    });
    o = await orgWithKeys(h, (await globalAdmin(h.config)).api_key);
  });
  afterAll(async () => {
    await h.close();
    await agent.close();
    await fake.close();
  });

  it('three trials of one case are judged three times', async () => {
    const agentId = (await createAgent(h, o.member, { api_endpoint: agent.url })).id;
    const upload = { agent_id: agentId, name: uniqueName('S'), cases: [{ input: 'capital of France?', expected_answer: 'Paris' }] };
    const setId = expectSuccess(await h.http.post('/api/v1/golden-sets/upload').set(bearer(o.member)).send(upload), 201).golden_set.id;
    const body = { agent_id: agentId, golden_set_id: setId, judge_mode: 'provider', judge_model: 'judge-1', trials: 3 };
    const run = expectSuccess(await h.http.post('/api/v1/eval/runs').set(bearer(o.member)).send(body), 202);
    const out = expectSuccess(await h.http.post(`/api/v1/eval/runs/${run.id}/execute`).set(bearer(o.member)), 200);
    expect(judged).toBe(3);
    expect(out.summary).toMatchObject({ result_count: 3, passed_count: 2 });
    expect(out.summary.flaky_cases).toHaveLength(1);
  });
});
