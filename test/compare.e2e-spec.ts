import { DataSource } from 'typeorm';
import { startTestAgent, TestAgent } from './support/agent-server';
import { agentBody, expectError, expectSuccess, expectValidation, freshRequestId, MISSING_UUID, waitForAudit } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';

const CASES = 12;
const caseInput = (i: number) => `What is item ${i}?`;
const rightAnswer = (i: number) => `Item ${i} is a widget.`;

/** Two-sided exact binomial test of b regressions against c improvements (p = 1/2), computed here from first principles. */
function exactMcNemar(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  let tail = 0;
  let choose = 1;
  for (let i = 0; i <= k; i++) {
    if (i > 0) choose = (choose * (n - i + 1)) / i;
    tail += choose;
  }
  return Math.min(1, (2 * tail) / 2 ** n);
}

describe('compare runs (stored, reproducible, with statistics)', () => {
  let h: ApiHarness;
  let db: DataSource;
  let o: OrgKeys;
  let other: OrgKeys;
  let agent: TestAgent;
  /** Items the agent currently answers wrongly. */
  let wrong = new Set<number>();

  let agentId: string;
  let setId: string;
  let baselineId: string;
  let candidateId: string;
  let caseIdOf: Map<number, string>;

  const post = (key: string, path: string, body: unknown) =>
    h.http
      .post(path)
      .set(bearer(key))
      .send(body as object);
  const get = (key: string, path: string) => h.http.get(path).set(bearer(key));

  async function completedRun(keys: OrgKeys, agent: string, set: string): Promise<string> {
    const run = expectSuccess(await post(keys.member, '/api/v1/eval/runs', { agent_id: agent, golden_set_id: set }), 202);
    const executed = expectSuccess(await post(keys.member, `/api/v1/eval/runs/${run.id}/execute`, {}), 200);
    expect(executed.run.status).toBe('completed');
    return run.id;
  }

  async function agentWithSet(keys: OrgKeys): Promise<{ agent: string; set: string }> {
    const id = expectSuccess(await post(keys.member, '/api/v1/agents', agentBody({ api_endpoint: agent.url })), 201).id;
    const cases = Array.from({ length: CASES }, (_, i) => ({ input: caseInput(i), expected_answer: rightAnswer(i) }));
    const set = expectSuccess(await post(keys.member, '/api/v1/golden-sets/upload', { agent_id: id, name: uniqueName('Set'), cases }), 201).golden_set.id;
    return { agent: id, set };
  }

  const compareCount = async () => Number((await db.query(`SELECT count(*)::int AS n FROM eval_compares`))[0].n);

  beforeAll(async () => {
    h = await startApi({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', EVAL_AGENT_TIMEOUT_MS: '2000' });
    db = h.app.get(DataSource);
    const g = await globalAdmin(h.config);
    o = await orgWithKeys(h, g.api_key);
    other = await orgWithKeys(h, g.api_key);
    agent = await startTestAgent((input) => {
      const i = Number(/item (\d+)/.exec(input)?.[1] ?? -1);
      return { body: { output: wrong.has(i) ? 'I could not find anything about that.' : rightAnswer(i) } };
    });
    ({ agent: agentId, set: setId } = await agentWithSet(o));
    const rows: { id: string; input: string }[] = await db.query(`SELECT id, input FROM golden_set_cases WHERE golden_set_id = $1`, [setId]);
    caseIdOf = new Map(rows.map((r) => [Number(/item (\d+)/.exec(r.input)![1]), r.id]));
    wrong = new Set();
    baselineId = await completedRun(o, agentId, setId);
    wrong = new Set([1, 3, 5, 7, 9, 10]);
    candidateId = await completedRun(o, agentId, setId);
  });
  afterAll(async () => {
    await agent.close();
    await h.close();
  });

  it('finds exactly the cases answered worse, with the exact McNemar p-value and a regressed verdict, and stores the answer', async () => {
    const before = await compareCount();
    const body = expectSuccess(await post(o.member, '/api/v1/eval/compares', { baseline_run_id: baselineId, candidate_run_id: candidateId }), 201);
    const regressed = [...wrong].map((i) => caseIdOf.get(i)!).sort();
    expect(body).toMatchObject({
      stored: true,
      mode: 'direct',
      agent_id: agentId,
      baseline_run_id: baselineId,
      candidate_run_id: candidateId,
      compared_case_count: CASES,
      unpaired_case_count: 0,
      regression_count: 6,
      improvement_count: 0,
      regressions_truncated: false,
      alpha: 0.05,
      verdict: 'regressed',
      pattern: null,
      remediation: null,
      notification: { event_type: 'regression_detected' },
    });
    expect(body.regressions.map((r: { case_id: string }) => r.case_id)).toEqual(regressed);
    expect(body.regressions[0]).toMatchObject({ decided_by: 'pass_rate', baseline: { passed: true, trials: 1 }, candidate: { passed: false, trials: 1 } });
    expect(body.statistics.pass_fail).toMatchObject({ regressions: 6, improvements: 0, both_pass: 6, both_fail: 0 });
    expect(body.statistics.pass_fail.p_value).toBeCloseTo(exactMcNemar(6, 0), 12);
    expect(body.statistics.pass_fail.p_value).toBeCloseTo(0.03125, 12);
    expect(body.deltas.pass_rate).toMatchObject({ baseline: 1, candidate: 0.5, delta: -0.5 });
    expect(body.deltas.quality.bootstrap.upper).toBeLessThan(0);
    expect(body.baseline).toMatchObject({ run_id: baselineId, status: 'completed', result_count: CASES, pass_rate: 1 });
    expect(body.candidate).toMatchObject({ run_id: candidateId, pass_rate: 0.5 });
    expect(await compareCount()).toBe(before + 1);

    // read back exactly; the same compare again gives the same evidence (the bootstrap is seeded by the pair)
    expect(expectSuccess(await get(o.viewer, `/api/v1/eval/compares/${body.id}`), 200)).toEqual(body);
    const again = expectSuccess(await post(o.member, '/api/v1/eval/compares', { baseline_run_id: baselineId, candidate_run_id: candidateId }), 201);
    expect(again.id).not.toBe(body.id);
    expect(again.statistics).toEqual(body.statistics);
    expect(again.deltas).toEqual(body.deltas);

    const events: { event_type: string; n: number }[] = await db.query(
      `SELECT event_type, count(*)::int AS n FROM activity_events WHERE metadata->>'compare_id' = $1 GROUP BY event_type ORDER BY event_type`,
      [body.id],
    );
    expect(events).toEqual([
      { event_type: 'regression_compare', n: 1 },
      { event_type: 'regression_detected', n: 1 },
    ]);
  });

  it('the query form answers the same evidence, stores nothing and refuses auto_create_pattern', async () => {
    const before = await compareCount();
    const activityBefore = Number((await db.query(`SELECT count(*)::int AS n FROM activity_events`))[0].n);
    const q = `baseline_run_id=${baselineId}&candidate_run_id=${candidateId}`;
    const fresh = expectSuccess(await get(o.viewer, `/api/v1/eval/compare?${q}`), 200);
    const stored = expectSuccess(await post(o.member, '/api/v1/eval/compares', { baseline_run_id: baselineId, candidate_run_id: candidateId }), 201);
    const strip = ({ id: _i, created_at: _c, stored: _s, notification: _n, ...rest }: any) => rest;
    expect(fresh).toMatchObject({ id: null, stored: false, notification: null, pattern: null, remediation: null });
    expect(strip(fresh)).toEqual(strip(stored));
    expect(await compareCount()).toBe(before + 1);
    const activityAfter = Number((await db.query(`SELECT count(*)::int AS n FROM activity_events`))[0].n);
    expect(activityAfter).toBe(activityBefore + 2); // only the POST's regression_compare and regression_detected

    const refused = expectValidation(await get(o.viewer, `/api/v1/eval/compare?${q}&auto_create_pattern=true`), ['auto_create_pattern']);
    expect(JSON.stringify(refused)).toContain('POST /api/v1/eval/compares');
    expectValidation(await get(o.viewer, `/api/v1/eval/compare?${q}&alpha=0.5`), ['alpha']);
  });

  it('auto_create_pattern opens a regression pattern, then reuses it; a clean compare moves it to verifying', async () => {
    const pair = { baseline_run_id: baselineId, candidate_run_id: candidateId, auto_create_pattern: true };
    const first = expectSuccess(await post(o.member, '/api/v1/eval/compares', pair), 201);
    expect(first.pattern).toMatchObject({ action: 'created' });
    const second = expectSuccess(await post(o.member, '/api/v1/eval/compares', pair), 201);
    expect(second.pattern).toEqual({ id: first.pattern.id, action: 'reused' });
    const [row] = await db.query(`SELECT status, priority, linked_case_ids FROM issue_patterns WHERE id = $1`, [first.pattern.id]);
    expect(row).toMatchObject({ status: 'open', priority: 'high' });
    expect([...row.linked_case_ids].sort()).toEqual([...wrong].map((i) => caseIdOf.get(i)!).sort());

    wrong = new Set();
    const fixed = await completedRun(o, agentId, setId);
    const clean = expectSuccess(await post(o.member, '/api/v1/eval/compares', { baseline_run_id: baselineId, candidate_run_id: fixed }), 201);
    expect(clean).toMatchObject({ regression_count: 0, verdict: 'no_significant_change', notification: null, pattern: null });
    expect(clean.remediation).toEqual({ auto_closed: 1, updated_patterns: [first.pattern.id], resolved_slo_violations: [] });
    expect((await db.query(`SELECT status FROM issue_patterns WHERE id = $1`, [first.pattern.id]))[0].status).toBe('verifying');
  });

  it('lists stored compares newest first with filters, only in the org', async () => {
    const all = expectSuccess(await get(o.viewer, `/api/v1/eval/compares?agent_id=${agentId}`), 200);
    expect(all.total).toBeGreaterThanOrEqual(5);
    const times = all.items.map((c: { created_at: string }) => Date.parse(c.created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(all.items[0]).not.toHaveProperty('body');
    const regressed = expectSuccess(
      await get(o.viewer, `/api/v1/eval/compares?verdict=regressed&candidate_run_id=${candidateId}&baseline_run_id=${baselineId}`),
      200,
    );
    expect(regressed.total).toBeGreaterThanOrEqual(4);
    for (const c of regressed.items) expect(c).toMatchObject({ verdict: 'regressed', candidate_run_id: candidateId, regression_count: 6 });
    expect(expectSuccess(await get(o.viewer, `/api/v1/eval/compares?verdict=improved&agent_id=${agentId}`), 200).total).toBe(0);
    expect(expectSuccess(await get(other.viewer, `/api/v1/eval/compares?agent_id=${agentId}`), 200).total).toBe(0);
    expectError(await get(other.viewer, `/api/v1/eval/compares/${all.items[0].id}`), 404, 'NOT_FOUND');
    expectError(await get(other.viewer, `/api/v1/eval/compares?org_id=${o.org_id}`), 404, 'NOT_FOUND');
  });

  it('refuses runs of two agents, a run not completed, a run of another org, and mixed or incomplete modes', async () => {
    const second = await agentWithSet(o);
    const foreignAgentRun = await completedRun(o, second.agent, second.set);
    const mismatch = expectError(
      await post(o.member, '/api/v1/eval/compares', { baseline_run_id: baselineId, candidate_run_id: foreignAgentRun }),
      400,
      'EVAL_COMPARE_AGENT_MISMATCH',
    );
    expect(mismatch.details).toMatchObject({ baseline_agent_id: agentId, candidate_agent_id: second.agent });

    const pending = expectSuccess(await post(o.member, '/api/v1/eval/runs', { agent_id: agentId, golden_set_id: setId }), 202).id;
    const notDone = expectError(
      await post(o.member, '/api/v1/eval/compares', { baseline_run_id: baselineId, candidate_run_id: pending }),
      409,
      'EVAL_COMPARE_RUN_NOT_COMPLETED',
    );
    expect(notDone.details).toEqual({ side: 'candidate', run_id: pending, status: 'pending' });

    const theirs = await agentWithSet(other);
    const theirRun = await completedRun(other, theirs.agent, theirs.set);
    expectError(await post(o.member, '/api/v1/eval/compares', { baseline_run_id: baselineId, candidate_run_id: theirRun }), 404, 'NOT_FOUND');
    expectError(await get(o.viewer, `/api/v1/eval/compare?baseline_run_id=${theirRun}&candidate_run_id=${baselineId}`), 404, 'NOT_FOUND');
    expectError(await post(o.member, '/api/v1/eval/compares', { agent_id: theirs.agent, baseline_ref: 'latest', candidate_ref: 'latest' }), 404, 'NOT_FOUND');

    expectValidation(await post(o.member, '/api/v1/eval/compares', { baseline_run_id: baselineId, candidate_run_id: candidateId, agent_id: agentId }), [
      'agent_id',
    ]);
    expectValidation(await post(o.member, '/api/v1/eval/compares', { baseline_run_id: baselineId }), ['candidate_run_id']);
    expectValidation(await post(o.member, '/api/v1/eval/compares', { agent_id: agentId, baseline_ref: 'latest' }), ['candidate_ref']);
    expectValidation(await post(o.member, '/api/v1/eval/compares', {}), ['baseline_run_id', 'candidate_run_id']);
    expectValidation(await post(o.member, '/api/v1/eval/compares', { baseline_run_id: baselineId, candidate_run_id: candidateId, alpha: 0 }), ['alpha']);
  });

  it('reference mode: a registry name against latest (the newest completed run); an unknown reference is 404', async () => {
    await db.query(
      `INSERT INTO run_registry (org_id, agent_id, kind, name, run_id, is_active, created_at, updated_at)
       VALUES ($1, $2, 'baseline', 'release-1', $3, true, now(), now())`,
      [o.org_id, agentId, baselineId],
    );
    const latest: { id: string }[] = await db.query(
      `SELECT id FROM eval_runs WHERE agent_id = $1 AND status = 'completed' ORDER BY completed_at DESC, created_at DESC LIMIT 1`,
      [agentId],
    );
    for (const baseline_ref of ['release-1', 'active', 'current']) {
      const body = expectSuccess(await post(o.member, '/api/v1/eval/compares', { agent_id: agentId, baseline_ref, candidate_ref: 'latest' }), 201);
      expect(body).toMatchObject({ mode: 'reference', baseline_ref, candidate_ref: 'latest', baseline_run_id: baselineId, candidate_run_id: latest[0].id });
    }
    expectError(await post(o.member, '/api/v1/eval/compares', { agent_id: agentId, baseline_ref: 'nope', candidate_ref: 'latest' }), 404, 'NOT_FOUND');
    // the name is a baseline entry: as a candidate reference it is unknown
    expectError(await post(o.member, '/api/v1/eval/compares', { agent_id: agentId, baseline_ref: 'latest', candidate_ref: 'release-1' }), 404, 'NOT_FOUND');
    expectError(await post(o.member, '/api/v1/eval/compares', { agent_id: MISSING_UUID, baseline_ref: 'latest', candidate_ref: 'latest' }), 404, 'NOT_FOUND');
  });

  it('pairs a superseded case with its successor through the golden-set lineage', async () => {
    wrong = new Set();
    const s = await agentWithSet(o);
    const before = await completedRun(o, s.agent, s.set);
    const [old] = await db.query(`SELECT id FROM golden_set_cases WHERE golden_set_id = $1 AND input = $2`, [s.set, caseInput(4)]);
    const edited = { input: caseInput(4), expected_answer: rightAnswer(4) };
    expectSuccess(await post(o.member, `/api/v1/golden-sets/${s.set}/cases/${old.id}/supersede`, { case: edited }), 201);
    const [{ superseded_by: successor }] = await db.query(`SELECT superseded_by FROM golden_set_cases WHERE id = $1`, [old.id]);
    wrong = new Set([4]);
    const after = await completedRun(o, s.agent, s.set);
    const body = expectSuccess(await get(o.viewer, `/api/v1/eval/compare?baseline_run_id=${before}&candidate_run_id=${after}`), 200);
    expect(body).toMatchObject({ compared_case_count: CASES, paired_by_lineage_count: 1, unpaired_case_count: 0, regression_count: 1 });
    expect(body.regressions).toMatchObject([{ case_id: old.id, candidate_case_id: successor, paired_by_lineage: true, decided_by: 'pass_rate' }]);
    expect(body.verdict).toBe('no_significant_change');
  });

  it('an Idempotency-Key replays the stored compare instead of storing another', async () => {
    const key = `compare-${Date.now()}`;
    const pair = { baseline_run_id: baselineId, candidate_run_id: candidateId };
    const first = expectSuccess(await post(o.member, '/api/v1/eval/compares', pair).set('Idempotency-Key', key), 201);
    const count = await compareCount();
    const replay = expectSuccess(await post(o.member, '/api/v1/eval/compares', pair).set('Idempotency-Key', key), 201);
    expect(replay.id).toBe(first.id);
    expect(await compareCount()).toBe(count);
  });

  it('a stored compare is audited with its request id, and the row names the key and the request', async () => {
    const rid = freshRequestId('compare');
    const body = expectSuccess(
      await post(o.member, '/api/v1/eval/compares', { baseline_run_id: baselineId, candidate_run_id: candidateId }).set('X-Request-Id', rid),
      201,
    );
    const audit = await waitForAudit(h, o.admin, rid);
    expect(audit).toMatchObject([{ method: 'POST', path: '/api/v1/eval/compares', status_code: 201 }]);
    const [row] = await db.query(`SELECT request_id, api_key_id FROM eval_compares WHERE id = $1`, [body.id]);
    expect(row.request_id).toBe(rid);
    expect(row.api_key_id).toEqual(expect.any(String));
  });

  it('a viewer reads compares but cannot store one', async () => {
    expectError(await post(o.viewer, '/api/v1/eval/compares', { baseline_run_id: baselineId, candidate_run_id: candidateId }), 403, 'FORBIDDEN');
    expectSuccess(await get(o.viewer, `/api/v1/eval/compare?baseline_run_id=${baselineId}&candidate_run_id=${candidateId}`), 200);
  });
});
