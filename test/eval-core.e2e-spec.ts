import { DataSource } from 'typeorm';
import { startSampleAgent, SampleAgent } from '../scripts/sample-agent';
import { startTestAgent, TestAgent } from './support/agent-server';
import { agentBody, expectError, expectSuccess, expectValidation, MISSING_UUID } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';

const answerCase = (i: number, extra: Record<string, unknown> = {}) => ({
  input: `What is item ${i}?`,
  expected_answer: `Item ${i} is a widget.`,
  expected_sources: [`https://docs.example/items/${i}`],
  ...extra,
});

describe('evaluation core (golden sets, runs, execute)', () => {
  let h: ApiHarness;
  let g: { org_id: string; api_key: string };
  let o: OrgKeys;
  let other: OrgKeys;
  let sample: SampleAgent;
  let agent: TestAgent;

  const post = (key: string, path: string, body: unknown) =>
    h.http
      .post(path)
      .set(bearer(key))
      .send(body as object);
  const get = (key: string, path: string) => h.http.get(path).set(bearer(key));

  async function newAgent(keys: OrgKeys, endpoint: string | null, extra: Record<string, unknown> = {}): Promise<string> {
    return expectSuccess(await post(keys.member, '/api/v1/agents', agentBody({ api_endpoint: endpoint, ...extra })), 201).id;
  }

  /**
   * An agent whose endpoint the save-time check would refuse today, as if it had been saved under a
   * looser OUTBOUND_ALLOWED_HOSTS: every call must still refuse it.
   */
  async function newAgentSavedEarlier(keys: OrgKeys, endpoint: string): Promise<string> {
    expectError(await post(keys.member, '/api/v1/agents', agentBody({ api_endpoint: endpoint })), 400, 'OUTBOUND_URL_REFUSED');
    const id = await newAgent(keys, null);
    await h.app.get(DataSource).query(`UPDATE agents SET api_endpoint = $1 WHERE id = $2`, [endpoint, id]);
    return id;
  }

  async function newSet(keys: OrgKeys, agentId: string, cases: unknown[]): Promise<string> {
    const data = expectSuccess(await post(keys.member, '/api/v1/golden-sets/upload', { agent_id: agentId, name: uniqueName('Set'), cases }), 201);
    return data.golden_set.id;
  }

  async function newRun(keys: OrgKeys, agentId: string, setId: string, extra: Record<string, unknown> = {}): Promise<any> {
    return expectSuccess(await post(keys.member, '/api/v1/eval/runs', { agent_id: agentId, golden_set_id: setId, ...extra }), 202);
  }

  beforeAll(async () => {
    h = await startApi({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', EVAL_AGENT_TIMEOUT_MS: '2000' });
    g = await globalAdmin(h.config);
    o = await orgWithKeys(h, g.api_key);
    other = await orgWithKeys(h, g.api_key);
    sample = await startSampleAgent(0);
    agent = await startTestAgent((input) => ({ body: { output: `echo: ${input}` } }));
  });
  afterAll(async () => {
    await agent.close();
    await sample.close();
    await h.close();
  });

  it('upload → run (pending) → execute against a local agent → results, summary, artifacts', async () => {
    agent.behave((input) => {
      const i = Number(/item (\d+)/.exec(input)?.[1]);
      // items 0-2 answered right with sources, 3 right without sources, 4 wrong
      if (i <= 2) return { body: { output: `Item ${i} is a widget.`, sources: [`https://docs.example/items/${i}`] } };
      if (i === 3) return { body: { answer: 'Item 3 is a widget.' } };
      return { body: { output: 'I do not know.' } };
    });
    const agentId = await newAgent(o, agent.url);
    const setId = await newSet(
      o,
      agentId,
      [0, 1, 2, 3, 4].map((i) => answerCase(i)),
    );

    const sets = expectSuccess(await get(o.viewer, `/api/v1/agents/${agentId}/golden-sets`), 200);
    expect(sets.items).toHaveLength(1);
    expect(sets.items[0]).toMatchObject({ id: setId, case_count: 5, version: 1, source_format: 'json' });

    const run = await newRun(o, agentId, setId);
    expect(run).toMatchObject({ status: 'pending', total_cases: 5, completed_cases: 0 });
    expect(run.config).toMatchObject({ judge: { mode: 'deterministic' }, executor: { mode: 'agent_http', endpoint: agent.url }, golden_set_version: 1 });
    expect(run.config.profile.name).toBe('Search/Retrieval');

    const before = agent.calls.length;
    const executed = expectSuccess(await post(o.member, `/api/v1/eval/runs/${run.id}/execute`, {}), 200);
    expect(agent.calls.length - before).toBe(5);
    expect(executed.run).toMatchObject({ status: 'completed', completed_cases: 5, progress: 1 });
    // Each call names its case: the five calls name the run's five cases.
    const stored = expectSuccess(await get(o.viewer, `/api/v1/eval/runs/${run.id}/results`), 200);
    const caseIds = stored.items.map((r: { case_id: string }) => r.case_id).sort();
    expect(
      agent.calls
        .slice(before)
        .map((c) => c.headers['x-greenlight-case-id'])
        .sort(),
    ).toEqual(caseIds);
    expect(executed.summary).toMatchObject({ total_cases: 5, result_count: 5, error_count: 0 });
    expect(executed.summary.answer).toEqual({ evaluated: 5, correct: 4, rate: 0.8 });
    expect(executed.summary.source).toEqual({ evaluated: 5, correct: 3, rate: 0.6 });

    const summary = expectSuccess(await get(o.viewer, `/api/v1/eval/runs/${run.id}/summary`), 200);
    expect(summary).toEqual(executed.summary);

    const results = expectSuccess(await get(o.viewer, `/api/v1/eval/runs/${run.id}/results?limit=200`), 200);
    expect(results.total).toBe(5);
    const wrong = expectSuccess(await get(o.viewer, `/api/v1/eval/runs/${run.id}/results?answer_correct=false`), 200);
    expect(wrong.total).toBe(1);
    expect(wrong.items[0].actual_output).toBe('I do not know.');
    expect(wrong.items[0].passed).toBe(false);
    const noSources = expectSuccess(await get(o.viewer, `/api/v1/eval/runs/${run.id}/results?source_correct=false`), 200);
    expect(noSources.total).toBe(2);

    const artifacts = expectSuccess(await get(o.viewer, `/api/v1/eval/runs/${run.id}/artifacts?limit=200`), 200);
    expect(artifacts.total).toBe(5);
    for (const a of artifacts.items) {
      expect(a).toMatchObject({ judge_mode: 'deterministic', executor_mode: 'agent_http', evaluation_mode: 'answer' });
      expect(a.judge_prompt_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(a.execution_trace).toMatchObject({ executor: 'agent_http', status: 200 });
    }

    const detail = expectSuccess(await get(o.viewer, `/api/v1/eval/runs/${run.id}?include_results=true`), 200);
    expect(detail.results).toHaveLength(5);
    const latest = expectSuccess(await get(o.viewer, `/api/v1/agents/${agentId}/latest`), 200);
    expect(latest.latest_run).toMatchObject({ id: run.id, status: 'completed', rates: { answer_correct_rate: 0.8, result_count: 5 } });
    const list = expectSuccess(await get(o.viewer, `/api/v1/eval/runs?agent_id=${agentId}`), 200);
    expect(list.items[0]).toMatchObject({ id: run.id, rates: { source_correct_rate: 0.6 } });
  });

  it('criteria-mode cases are scored on the profile dimensions', async () => {
    agent.behave(() => ({ body: { output: 'The refund policy allows returns within 30 days with a receipt; relevance is high.' } }));
    const agentId = await newAgent(o, agent.url);
    const setId = await newSet(o, agentId, [
      { input: 'Summarise the refund policy', criteria: 'Mentions the 30 day window and the receipt', dimensions: ['relevance'] },
    ]);
    const run = await newRun(o, agentId, setId);
    const executed = expectSuccess(await post(o.member, `/api/v1/eval/runs/${run.id}/execute`, {}), 200);
    expect(executed.summary.by_mode).toEqual({ answer: 0, criteria: 1 });
    const [result] = expectSuccess(await get(o.viewer, `/api/v1/eval/runs/${run.id}/results`), 200).items;
    expect(result.answer_correct).toBeNull();
    expect(Object.keys(result.criteria_scores)).toContain('relevance');
    expect(result.quality_score).toBeGreaterThanOrEqual(1);
    expect(result.quality_score).toBeLessThanOrEqual(5);
  });

  it('a run over criteria cases naming dimensions the profile lacks is refused before any agent call', async () => {
    const agentId = await newAgent(o, agent.url);
    const setId = await newSet(o, agentId, [{ input: 'Summarise', criteria: 'short', dimensions: ['relevance', 'not_a_dimension'] }]);
    const calls = agent.calls.length;
    const err = expectError(await post(o.member, '/api/v1/eval/runs', { agent_id: agentId, golden_set_id: setId }), 422, 'EVAL_POLICY_CONTRACT_ERROR');
    expect(err.details.violations).toEqual([expect.objectContaining({ rule: 'unknown_dimension', value: 'not_a_dimension' })]);
    expect(agent.calls.length).toBe(calls);
  });

  it('summary of a run without results is all zeros', async () => {
    const agentId = await newAgent(o, null);
    const setId = await newSet(o, agentId, [answerCase(1)]);
    const run = await newRun(o, agentId, setId);
    const s = expectSuccess(await get(o.viewer, `/api/v1/eval/runs/${run.id}/summary`), 200);
    expect(s).toMatchObject({ result_count: 0, pass_rate: 0, answer: { rate: 0 }, source: { rate: 0 }, quality: { pass_rate: 0, average_score: 0 } });
  });

  it('simulated executor (auto without endpoint) answers with the expected answer', async () => {
    const agentId = await newAgent(o, null);
    const setId = await newSet(o, agentId, [answerCase(1), answerCase(2)]);
    const run = await newRun(o, agentId, setId);
    expect(run.config.executor).toMatchObject({ requested_mode: 'auto', mode: 'simulated', endpoint: null });
    const executed = expectSuccess(await post(o.member, `/api/v1/eval/runs/${run.id}/execute`, {}), 200);
    expect(executed.summary.answer.rate).toBe(1);
    expect(executed.summary.pass_rate).toBe(1);
  });

  it('agent_http without an endpoint is EVAL_EXECUTOR_CONFIG_ERROR at creation', async () => {
    const agentId = await newAgent(o, null);
    const setId = await newSet(o, agentId, [answerCase(1)]);
    expectError(
      await post(o.member, '/api/v1/eval/runs', { agent_id: agentId, golden_set_id: setId, executor_mode: 'agent_http' }),
      400,
      'EVAL_EXECUTOR_CONFIG_ERROR',
    );
  });

  it('the state machine refuses a second execute, and the database refuses illegal transitions', async () => {
    const agentId = await newAgent(o, null);
    const setId = await newSet(o, agentId, [answerCase(1)]);
    const run = await newRun(o, agentId, setId);
    expectSuccess(await post(o.member, `/api/v1/eval/runs/${run.id}/execute`, {}), 200);
    const err = expectError(await post(o.member, `/api/v1/eval/runs/${run.id}/execute`, {}), 409, 'EVAL_RUN_STATUS_TRANSITION_INVALID');
    expect(err.details).toMatchObject({ status: 'completed', requested: 'running' });
    const db = h.app.get(DataSource);
    await expect(db.query(`UPDATE eval_runs SET status = 'running' WHERE id = $1`, [run.id])).rejects.toThrow(
      /invalid eval run status transition: completed -> running/,
    );
    await db.query(`UPDATE eval_runs SET status = 'pending', completed_at = NULL WHERE id = $1`, [run.id]); // reopen is allowed
  });

  it('an agent failing every case fails the run with EVAL_EXECUTOR_RUNTIME_ERROR; partial failures keep error results', async () => {
    agent.behave(() => ({ status: 500, body: { error: 'boom' } }));
    const agentId = await newAgent(o, agent.url);
    const setId = await newSet(o, agentId, [answerCase(1), answerCase(2)]);
    const run = await newRun(o, agentId, setId);
    const executed = expectSuccess(await post(o.member, `/api/v1/eval/runs/${run.id}/execute`, {}), 200);
    expect(executed.run).toMatchObject({ status: 'failed', failure_code: 'EVAL_EXECUTOR_RUNTIME_ERROR' });
    expect(executed.summary.error_count).toBe(2);

    agent.behave((input) => (input.includes('item 1') ? { status: 503, body: 'down' } : { body: { output: 'Item 2 is a widget.' } }));
    const run2 = await newRun(o, agentId, setId);
    const executed2 = expectSuccess(await post(o.member, `/api/v1/eval/runs/${run2.id}/execute`, {}), 200);
    expect(executed2.run.status).toBe('completed');
    const errors = expectSuccess(await get(o.viewer, `/api/v1/eval/runs/${run2.id}/results?status=error`), 200);
    expect(errors.total).toBe(1);
    expect(errors.items[0]).toMatchObject({ error_code: 'EVAL_EXECUTOR_RUNTIME_ERROR', quality_score: null, passed: null });
    expect(errors.items[0].error_message).toMatch(/503/);
  });

  it('maps agent responses: explicit paths, plain text, and a response without output', async () => {
    agent.behave(() => ({ body: { result: { final: 'Item 1 is a widget.', docs: ['https://docs.example/items/1'] } } }));
    const agentId = await newAgent(o, agent.url);
    const setId = await newSet(o, agentId, [answerCase(1)]);
    const run = await newRun(o, agentId, setId, { response_output_path: 'result.final', response_sources_path: 'result.docs' });
    const executed = expectSuccess(await post(o.member, `/api/v1/eval/runs/${run.id}/execute`, {}), 200);
    expect(executed.summary).toMatchObject({ answer: { correct: 1 }, source: { correct: 1 } });

    agent.behave(() => ({ body: { output: 'Item 1 is\u0000 a widget \ud800', sources: ['https://docs.example/items/1\u0000'] } }));
    const runNul = await newRun(o, agentId, setId);
    const executedNul = expectSuccess(await post(o.member, `/api/v1/eval/runs/${runNul.id}/execute`, {}), 200);
    expect(executedNul.run.status).toBe('completed');
    const [nul] = expectSuccess(await get(o.viewer, `/api/v1/eval/runs/${runNul.id}/results`), 200).items;
    expect(nul.actual_output).toBe('Item 1 is\uFFFD a widget \uFFFD');

    agent.behave(() => ({ body: { unrelated: true } }));
    const run2 = await newRun(o, agentId, setId);
    const executed2 = expectSuccess(await post(o.member, `/api/v1/eval/runs/${run2.id}/execute`, {}), 200);
    expect(executed2.run.status).toBe('failed');
    const [r] = expectSuccess(await get(o.viewer, `/api/v1/eval/runs/${run2.id}/results`), 200).items;
    expect(r.error_message).toMatch(/no output field/);
  });

  it('file upload: csv as base64 and multipart, row report, all-invalid is GOLDEN_SET_FILE_VALIDATION_FAILED', async () => {
    const agentId = await newAgent(o, null);
    const csv =
      'Question,Answer,Sources,Difficulty\nWhat is A?,A is a letter,https://a;https://b,easy\nWhat is B?,B is a letter,,\n,missing input,,\nMixed?,yes,,extreme\n';
    const b64 = expectSuccess(
      await post(o.member, '/api/v1/golden-sets/upload-file', {
        agent_id: agentId,
        name: uniqueName('CSV'),
        filename: 'cases.csv',
        content_base64: Buffer.from(csv).toString('base64'),
      }),
      201,
    );
    expect(b64.case_count).toBe(2);
    expect(b64.validation_report).toMatchObject({ format: 'csv', total_rows: 4, accepted_rows: 2, rejected_rows: 2 });
    expect(b64.validation_report.column_mapping).toMatchObject({ Question: 'input', Answer: 'expected_answer', Sources: 'expected_sources' });
    const cases = expectSuccess(await get(o.viewer, `/api/v1/golden-sets/${b64.golden_set.id}/cases`), 200);
    expect(cases.items[0]).toMatchObject({
      input: 'What is A?',
      expected_sources: ['https://a', 'https://b'],
      difficulty: 'easy',
      scenario_type: 'happy_path',
    });
    expect(cases.items[1]).toMatchObject({ difficulty: 'medium', capability: 'general' });

    const multipart = await h.http
      .post('/api/v1/golden-sets/upload-file')
      .set(bearer(o.member))
      .field('agent_id', agentId)
      .field('name', uniqueName('Multipart'))
      .attach('file', Buffer.from('{"input":"Q1","expected_answer":"A1"}\n{"prompt":"Q2","criteria":"polite"}\n'), 'cases.jsonl');
    const mp = expectSuccess(multipart, 201);
    const withKey = await h.http
      .post('/api/v1/golden-sets/upload-file')
      .set(bearer(o.member))
      .set('Idempotency-Key', uniqueName('mp'))
      .field('agent_id', agentId)
      .field('name', uniqueName('Multipart'))
      .attach('file', Buffer.from('{"input":"Q1","expected_answer":"A1"}\n'), 'cases.jsonl');
    expectValidation(withKey, ['Idempotency-Key']);
    expect(mp.case_count).toBe(2);
    expect(mp.golden_set.source_format).toBe('jsonl');
    expect(mp.golden_set.source_filename).toBe('cases.jsonl');

    const bad = await post(o.member, '/api/v1/golden-sets/upload-file', {
      agent_id: agentId,
      name: uniqueName('Bad'),
      format: 'csv',
      content_base64: Buffer.from('input,expected_answer\n,\n,\n').toString('base64'),
    });
    const err = expectError(bad, 422, 'GOLDEN_SET_FILE_VALIDATION_FAILED');
    // Rows whose every cell is empty are no rows: the file holds no case at all.
    expect(err.details).toMatchObject({ reason: 'empty', format: 'csv', columns: ['input', 'expected_answer'] });

    expectValidation(await post(o.member, '/api/v1/golden-sets/upload-file', { agent_id: agentId, name: 'x' }), ['content_base64']);
    expectValidation(await post(o.member, '/api/v1/golden-sets/upload-file', { agent_id: agentId, name: 'x', content_base64: 'abc', filename: 'notes.txt' }), [
      'format',
    ]);
  });

  it('JSON upload is all-or-nothing and refuses mixed answer/criteria cases', async () => {
    const agentId = await newAgent(o, null);
    const res = await post(o.member, '/api/v1/golden-sets/upload', {
      agent_id: agentId,
      name: uniqueName('Mixed'),
      cases: [answerCase(1), { input: 'x', expected_answer: 'y', criteria: 'z' }],
    });
    const details = expectValidation(res);
    expect(details.some((d) => d.field.startsWith('cases.1.'))).toBe(true);
    const sets = expectSuccess(await get(o.viewer, `/api/v1/agents/${agentId}/golden-sets`), 200);
    expect(sets.total).toBe(0);
  });

  it('governance: verify, supersede, review trail, and a run keeps the cases it was created with', async () => {
    const agentId = await newAgent(o, null);
    const setId = await newSet(o, agentId, [answerCase(1), answerCase(2)]);
    const cases = expectSuccess(await get(o.viewer, `/api/v1/golden-sets/${setId}/cases`), 200).items;
    const runBefore = await newRun(o, agentId, setId);

    const verified = expectSuccess(
      await h.http.patch(`/api/v1/golden-sets/${setId}/cases/${cases[0].id}/verify`).set(bearer(o.member)).send({ notes: 'ok' }),
      200,
    );
    expect(verified.verified_at).not.toBeNull();
    const sup = expectSuccess(
      await post(o.member, `/api/v1/golden-sets/${setId}/cases/${cases[1].id}/supersede`, {
        case: answerCase(2, { expected_answer: 'Item 2 is a gadget.' }),
        notes: 'fixed',
      }),
      201,
    );
    expect(sup.superseded).toMatchObject({ id: cases[1].id, is_active: false, superseded_by: sup.replacement.id });
    expect(sup.replacement).toMatchObject({ version: 2, is_active: true, position: cases[1].position });
    expect(sup.golden_set_version).toBe(2);
    expectError(
      await post(o.member, `/api/v1/golden-sets/${setId}/cases/${cases[1].id}/supersede`, { case: answerCase(2) }),
      409,
      'GOLDEN_SET_CASE_NOT_ACTIVE',
    );
    const trail = expectSuccess(await get(o.viewer, `/api/v1/golden-sets/${setId}/cases/${cases[1].id}/reviews`), 200);
    expect(trail.items.map((r: { action: string }) => r.action)).toEqual(['superseded']);
    const all = expectSuccess(await get(o.viewer, `/api/v1/golden-sets/${setId}/cases?include_inactive=true`), 200);
    expect(all.total).toBe(3);

    const runAfter = await newRun(o, agentId, setId);
    expect(runAfter.config.golden_set_version).toBe(2);
    expectSuccess(await post(o.member, `/api/v1/eval/runs/${runBefore.id}/execute`, {}), 200);
    expectSuccess(await post(o.member, `/api/v1/eval/runs/${runAfter.id}/execute`, {}), 200);
    const ids = async (runId: string) =>
      expectSuccess(await get(o.viewer, `/api/v1/eval/runs/${runId}/results`), 200)
        .items.map((r: { case_id: string }) => r.case_id)
        .sort();
    expect(await ids(runBefore.id)).toEqual([cases[0].id, cases[1].id].sort());
    expect(await ids(runAfter.id)).toEqual([cases[0].id, sup.replacement.id].sort());
  });

  it('quality gate: status endpoint, and a run requiring it is blocked until enough cases are verified', async () => {
    const agentId = await newAgent(o, null);
    const setId = await newSet(o, agentId, [answerCase(1), answerCase(2)]);
    const status = expectSuccess(
      await get(o.viewer, `/api/v1/golden-sets/${setId}/quality-gate-status?min_verified_case_ratio=0.5&min_active_case_count=2`),
      200,
    );
    expect(status).toMatchObject({ active_case_count: 2, verified_case_count: 0, verified_case_ratio: 0, passed: false });
    expect(status.blockers.map((b: { rule: string }) => b.rule)).toEqual(['min_verified_case_ratio']);

    const run = await newRun(o, agentId, setId, { require_golden_set_quality_gate: true, min_verified_case_ratio: 0.5 });
    const blocked = expectError(await post(o.member, `/api/v1/eval/runs/${run.id}/execute`, {}), 409, 'GOLDEN_SET_QUALITY_GATE_BLOCKED');
    expect(blocked.details.quality_gate.passed).toBe(false);
    expect(expectSuccess(await get(o.viewer, `/api/v1/eval/runs/${run.id}`), 200).status).toBe('pending');
    const [c1] = expectSuccess(await get(o.viewer, `/api/v1/golden-sets/${setId}/cases`), 200).items;
    expectSuccess(await h.http.patch(`/api/v1/golden-sets/${setId}/cases/${c1.id}/verify`).set(bearer(o.member)).send({}), 200);
    expect(expectSuccess(await post(o.member, `/api/v1/eval/runs/${run.id}/execute`, {}), 200).run.status).toBe('completed');
  });

  it('templates: create, run from a template with overrides, incompatible agent type refused', async () => {
    const agentId = await newAgent(o, null, { agent_type: 'search_retrieval' });
    const setId = await newSet(o, agentId, [answerCase(1)]);
    const tpl = expectSuccess(
      await post(o.member, '/api/v1/eval/templates', {
        name: uniqueName('Tpl'),
        agent_type: 'search_retrieval',
        run_type: 'regression',
        golden_set_id: setId,
        config: { executor_mode: 'simulated', agent_timeout_ms: 1500 },
      }),
      201,
    );
    expect(expectSuccess(await get(o.viewer, `/api/v1/eval/templates/${tpl.id}`), 200).config).toMatchObject({ executor_mode: 'simulated' });
    const run = expectSuccess(await post(o.member, '/api/v1/eval/runs', { agent_id: agentId, template_id: tpl.id, agent_timeout_ms: 2500 }), 202);
    expect(run).toMatchObject({ golden_set_id: setId, template_id: tpl.id, run_type: 'regression' });
    expect(run.config.executor).toMatchObject({ mode: 'simulated', timeout_ms: 2500 });

    const triage = await newAgent(o, null, { agent_type: 'triage_classification' });
    const triageSet = await newSet(o, triage, [answerCase(1)]);
    const err = expectError(
      await post(o.member, '/api/v1/eval/runs', { agent_id: triage, template_id: tpl.id, golden_set_id: triageSet }),
      422,
      'EVAL_TEMPLATE_INCOMPATIBLE',
    );
    expect(err.details.problems.join(' ')).toMatch(/search_retrieval/);
    expectValidation(await post(o.member, '/api/v1/eval/templates', { name: 'x', agent_type: 'analysis', config: { unknown_knob: 1 } }), [
      'config.unknown_knob',
    ]);
    expectValidation(await post(o.member, '/api/v1/eval/templates', { name: uniqueName('x'), agent_type: 'analysis', config: [] }), ['config']);
    const list = expectSuccess(await get(o.viewer, '/api/v1/eval/templates?agent_type=search_retrieval'), 200);
    expect(list.items.map((t: { id: string }) => t.id)).toContain(tpl.id);
  });

  it('invoke-contract validation against the bundled sample agent and a broken one', async () => {
    const agentId = await newAgent(o, sample.url);
    const report = expectSuccess(
      await post(o.member, `/api/v1/agents/${agentId}/invoke-contract/validate`, { sample_input: 'How do I reset my password?' }),
      200,
    );
    expect(report).toMatchObject({ valid: true, status_code: 200, extracted: { output_key: 'output', sources_key: 'sources' } });
    expect(report.request_hash).toMatch(/^[0-9a-f]{64}$/);
    const none = await newAgent(o, null);
    expectError(await post(o.member, `/api/v1/agents/${none}/invoke-contract/validate`, {}), 400, 'AGENT_INVOKE_CONTRACT_CONFIG_ERROR');
    agent.behave(() => ({ status: 500, body: 'no' }));
    const broken = await newAgent(o, agent.url);
    expectError(await post(o.member, `/api/v1/agents/${broken}/invoke-contract/validate`, {}), 502, 'AGENT_INVOKE_CONTRACT_RUNTIME_ERROR');
    const metadata = await newAgentSavedEarlier(o, 'http://169.254.169.254/latest/meta-data');
    expectError(await post(o.member, `/api/v1/agents/${metadata}/invoke-contract/validate`, {}), 400, 'AGENT_INVOKE_CONTRACT_CONFIG_ERROR');
  });

  it('the SSRF guard refuses private agent endpoints during a run', async () => {
    // 127.0.0.1 is allow-listed in this app; loopback forms are checked below by an app without the allow-list.
    for (const url of ['http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/x']) {
      const agentId = await newAgentSavedEarlier(o, url);
      const setId = await newSet(o, agentId, [answerCase(1)]);
      const run = await newRun(o, agentId, setId);
      const executed = expectSuccess(await post(o.member, `/api/v1/eval/runs/${run.id}/execute`, {}), 200);
      expect(executed.run.status).toBe('failed');
      const [r] = expectSuccess(await get(o.viewer, `/api/v1/eval/runs/${run.id}/results`), 200).items;
      expect(r.notes.error_details.failure).toBe('blocked_address');
    }
    const strict = await startApi({ OUTBOUND_ALLOWED_HOSTS: '' });
    try {
      for (const url of [`http://[::ffff:127.0.0.1]:${new URL(agent.url).port}/invoke`, `http://2130706433:${new URL(agent.url).port}/invoke`, agent.url]) {
        const agentRes = await strict.http
          .post('/api/v1/agents')
          .set(bearer(o.member))
          .send(agentBody({ api_endpoint: url }));
        expectError(agentRes, 400, 'OUTBOUND_URL_REFUSED');
        // Saved while 127.0.0.1 was allowed: the call-time check refuses it all the same.
        const agentId = await newAgent(o, url);
        const setId = expectSuccess(
          await strict.http
            .post('/api/v1/golden-sets/upload')
            .set(bearer(o.member))
            .send({ agent_id: agentId, name: uniqueName('S'), cases: [answerCase(1)] }),
          201,
        ).golden_set.id;
        const run = expectSuccess(await strict.http.post('/api/v1/eval/runs').set(bearer(o.member)).send({ agent_id: agentId, golden_set_id: setId }), 202);
        const calls = agent.calls.length;
        const executed = expectSuccess(await strict.http.post(`/api/v1/eval/runs/${run.id}/execute`).set(bearer(o.member)).send({}), 200);
        expect(executed.run.status).toBe('failed');
        expect(agent.calls.length).toBe(calls);
      }
    } finally {
      await strict.close();
    }
  });

  it('roles and tenancy on the new endpoints', async () => {
    const agentId = await newAgent(o, null);
    const setId = await newSet(o, agentId, [answerCase(1)]);
    const run = await newRun(o, agentId, setId);
    const [c] = expectSuccess(await get(o.viewer, `/api/v1/golden-sets/${setId}/cases`), 200).items;
    const tpl = expectSuccess(await post(o.member, '/api/v1/eval/templates', { name: uniqueName('T'), agent_type: 'search_retrieval' }), 201);

    // viewers cannot write
    expectError(await post(o.viewer, '/api/v1/golden-sets/upload', { agent_id: agentId, name: 'x', cases: [answerCase(1)] }), 403, 'FORBIDDEN');
    expectError(await post(o.viewer, '/api/v1/eval/runs', { agent_id: agentId, golden_set_id: setId }), 403, 'FORBIDDEN');
    expectError(await post(o.viewer, `/api/v1/eval/runs/${run.id}/execute`, {}), 403, 'FORBIDDEN');
    expectError(await post(o.viewer, '/api/v1/eval/templates', { name: 'x', agent_type: 'analysis' }), 403, 'FORBIDDEN');

    // another org sees nothing
    const reads = [
      `/api/v1/agents/${agentId}/golden-sets`,
      `/api/v1/golden-sets/${setId}`,
      `/api/v1/golden-sets/${setId}/cases`,
      `/api/v1/golden-sets/${setId}/quality-gate-status`,
      `/api/v1/golden-sets/${setId}/cases/${c.id}/reviews`,
      `/api/v1/eval/runs/${run.id}`,
      `/api/v1/eval/runs/${run.id}/results`,
      `/api/v1/eval/runs/${run.id}/summary`,
      `/api/v1/eval/runs/${run.id}/artifacts`,
      `/api/v1/eval/templates/${tpl.id}`,
    ];
    for (const path of reads) expectError(await get(other.admin, path), 404, 'NOT_FOUND');
    expectError(await post(other.admin, '/api/v1/golden-sets/upload', { agent_id: agentId, name: 'x', cases: [answerCase(1)] }), 404, 'NOT_FOUND');
    expectError(await post(other.admin, '/api/v1/eval/runs', { agent_id: agentId, golden_set_id: setId }), 404, 'NOT_FOUND');
    expectError(await post(other.admin, `/api/v1/eval/runs/${run.id}/execute`, {}), 404, 'NOT_FOUND');
    expectError(await h.http.patch(`/api/v1/golden-sets/${setId}/cases/${c.id}/verify`).set(bearer(other.admin)).send({}), 404, 'NOT_FOUND');
    expectError(await post(other.admin, `/api/v1/golden-sets/${setId}/cases/${c.id}/supersede`, { case: answerCase(3) }), 404, 'NOT_FOUND');
    expectError(await post(other.admin, `/api/v1/agents/${agentId}/invoke-contract/validate`, {}), 404, 'NOT_FOUND');
    const otherRuns = expectSuccess(await get(other.viewer, '/api/v1/eval/runs'), 200);
    expect(otherRuns.items.map((r: { id: string }) => r.id)).not.toContain(run.id);
    // another org's golden set cannot be borrowed by a run
    const otherAgent = await newAgent(other, null);
    expectValidation(await post(other.member, '/api/v1/eval/runs', { agent_id: otherAgent, golden_set_id: setId }), ['golden_set_id']);
    expectError(await get(o.viewer, `/api/v1/eval/runs/${MISSING_UUID}`), 404, 'NOT_FOUND');
    // the global admin sees everything
    expectSuccess(await get(g.api_key, `/api/v1/eval/runs/${run.id}`), 200);
  });
});
