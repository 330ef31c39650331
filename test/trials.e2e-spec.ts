import { DataSource } from 'typeorm';
import { startTestAgent, TestAgent } from './support/agent-server';
import { agentBody, expectError, expectSuccess, isTerminalRun, waitForRun } from './support/e2e-helpers';
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
    const agentId = expectSuccess(
      await h.http
        .post('/api/v1/agents')
        .set(bearer(A.member))
        .send(agentBody({ api_endpoint: agent.url })),
      201,
    ).id;
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
