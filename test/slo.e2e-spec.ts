import { DataSource } from 'typeorm';
import { SloMonitor } from '@greenlight/launch';
import { startTestAgent, TestAgent } from './support/agent-server';
import { agentBody, expectError, expectSuccess, expectValidation, isTerminalRun, MISSING_UUID, waitForRun, waitUntil } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';

const CASES = 12;
const caseInput = (i: number) => `What is item ${i}?`;
const rightAnswer = (i: number) => `Item ${i} is a widget.`;
/** Half the cases answered wrongly: pass rate and answer rate 0.5, six regressions against a clean run. */
const HALF_WRONG = [1, 3, 5, 7, 9, 10];

interface ViolationRow {
  id: string;
  metric: string;
  observed_value: number | null;
  threshold_value: number | null;
  source_run_id: string | null;
  source_compare_id: string | null;
  status: string;
  resolution: string | null;
  policy_version: number;
}

/** SLO policies, the violations runs (sync and async) and compares open, remediation, manual resolution and gate defaults. */
describe('SLO policies and violations', () => {
  let h: ApiHarness;
  let db: DataSource;
  let o: OrgKeys;
  let other: OrgKeys;
  let agent: TestAgent;
  let wrong = new Set<number>();

  const post = (key: string, path: string, body: unknown) =>
    h.http
      .post(path)
      .set(bearer(key))
      .send(body as object);
  const patch = (key: string, path: string, body: unknown) =>
    h.http
      .patch(path)
      .set(bearer(key))
      .send(body as object);
  const get = (key: string, path: string) => h.http.get(path).set(bearer(key));

  async function agentWithSet(keys: OrgKeys): Promise<{ agent: string; set: string }> {
    const id = expectSuccess(await post(keys.member, '/api/v1/agents', agentBody({ api_endpoint: agent.url })), 201).id;
    const cases = Array.from({ length: CASES }, (_, i) => ({ input: caseInput(i), expected_answer: rightAnswer(i) }));
    const set = expectSuccess(await post(keys.member, '/api/v1/golden-sets/upload', { agent_id: id, name: uniqueName('Set'), cases }), 201).golden_set.id;
    return { agent: id, set };
  }

  async function executedRun(keys: OrgKeys, a: { agent: string; set: string }, options: Record<string, unknown> = {}): Promise<string> {
    const run = expectSuccess(await post(keys.member, '/api/v1/eval/runs', { agent_id: a.agent, golden_set_id: a.set, ...options }), 202);
    const executed = expectSuccess(await post(keys.member, `/api/v1/eval/runs/${run.id}/execute`, {}), 200);
    expect(executed.run.status).toBe('completed');
    return run.id;
  }

  const setPolicy = async (keys: OrgKeys, agentId: string, body: Record<string, unknown>) =>
    expectSuccess(await post(keys.member, `/api/v1/agents/${agentId}/slo-policy`, body), 200);

  const violationsOf = (agentId: string): Promise<ViolationRow[]> =>
    db.query(
      `SELECT id, metric, observed_value, threshold_value, source_run_id, source_compare_id, status, resolution, policy_version
       FROM slo_violations WHERE agent_id = $1 ORDER BY created_at, metric`,
      [agentId],
    );

  const outboxCount = async (violationIds: string[]) =>
    Number(
      (
        await db.query(`SELECT count(*)::int AS n FROM notification_outbox WHERE event_type = 'slo_violation' AND data->>'violation_id' = ANY($1)`, [
          violationIds,
        ])
      )[0].n,
    );

  beforeAll(async () => {
    agent = await startTestAgent((input) => {
      const i = Number(/item (\d+)/.exec(input)?.[1] ?? -1);
      return { body: { output: wrong.has(i) ? 'I could not find anything about that.' : rightAnswer(i) } };
    });
    h = await startApi(
      {
        OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
        EVAL_AGENT_TIMEOUT_MS: '3000',
        EVAL_WORKER_CHUNK_SIZE: '5',
        EVAL_WORKER_BACKOFF_MS: '50',
        EVAL_WORKER_MAX_BACKOFF_MS: '200',
      },
      { worker: true },
    );
    db = h.app.get(DataSource);
    const g = await globalAdmin(h.config);
    [o, other] = await Promise.all([orgWithKeys(h, g.api_key), orgWithKeys(h, g.api_key)]);
    // an endpoint of the org that wants slo_violation: every violation leaves one outbox row
    expectSuccess(await post(o.admin, '/api/v1/webhooks/endpoints', { url: 'http://127.0.0.1:9/slo', event_types: ['slo_violation'] }), 201);
  });
  afterAll(async () => {
    await h?.close();
    await agent?.close();
  });

  it('a policy is created, replaced with a bumped version, read back, and validated field by field', async () => {
    const a = await agentWithSet(o);
    expectError(await get(o.viewer, `/api/v1/agents/${a.agent}/slo-policy`), 404, 'NOT_FOUND');
    const first = await setPolicy(o, a.agent, { min_pass_rate: 0.9, max_regression_count: 2, require_golden_set_quality_gate: false });
    expect(first).toMatchObject({
      agent_id: a.agent,
      org_id: o.org_id,
      version: 1,
      min_pass_rate: 0.9,
      max_regression_count: 2,
      min_answer_correct_rate: null,
    });
    const second = await setPolicy(o, a.agent, { min_answer_correct_rate: 0.75, calibration_field: 'quality_score', min_calibration_kappa: -0.2 });
    expect(second).toMatchObject({
      id: first.id,
      version: 2,
      min_answer_correct_rate: 0.75,
      min_pass_rate: null,
      max_regression_count: null,
      calibration_field: 'quality_score',
    });
    expect(expectSuccess(await get(o.viewer, `/api/v1/agents/${a.agent}/slo-policy`), 200)).toEqual(second);

    const bad = (body: Record<string, unknown>, fields: string[]) =>
      post(o.member, `/api/v1/agents/${a.agent}/slo-policy`, body).then((r) => expectValidation(r, fields));
    await bad({ min_pass_rate: 1.5 }, ['min_pass_rate']);
    await bad({ min_source_correct_rate: -0.1 }, ['min_source_correct_rate']);
    await bad({ max_regression_count: 1.5 }, ['max_regression_count']);
    await bad({ max_run_duration_seconds: 'long' }, ['max_run_duration_seconds']);
    await bad({ calibration_field: 'mood' }, ['calibration_field']);
    await bad({ require_no_significant_regression: 'yes' }, ['require_no_significant_regression']);
    await bad({ max_calibration_age_days: 0 }, ['max_calibration_age_days']);
    await bad({ min_answer_rate: 0.5 }, ['min_answer_rate']);
    expect(expectSuccess(await get(o.viewer, `/api/v1/agents/${a.agent}/slo-policy`), 200).version).toBe(2);

    expectError(await post(o.viewer, `/api/v1/agents/${a.agent}/slo-policy`, { min_pass_rate: 0.5 }), 403, 'FORBIDDEN');
    expectError(await get(o.viewer, `/api/v1/agents/${MISSING_UUID}/slo-policy`), 404, 'NOT_FOUND');
    const activity = await db.query(`SELECT count(*)::int AS n FROM activity_events WHERE agent_id = $1 AND event_type = 'slo_policy_updated'`, [a.agent]);
    expect(activity[0].n).toBe(2);
  });

  it('a sync run below the rate thresholds opens one violation per breached metric, announced by webhook and activity, once', async () => {
    const a = await agentWithSet(o);
    await setPolicy(o, a.agent, { min_pass_rate: 0.9, min_answer_correct_rate: 0.4, min_quality_pass_rate: 0.9, max_run_duration_seconds: 3600 });
    wrong = new Set(HALF_WRONG);
    const runId = await executedRun(o, a);
    // the listener runs after the move committed, in the same request
    const rows = await waitUntil('violations of the sync run', async () => ((await violationsOf(a.agent)).length >= 2 ? violationsOf(a.agent) : null), 5000);
    expect(rows.map((r) => r.metric).sort()).toEqual(['min_pass_rate', 'min_quality_pass_rate']);
    for (const r of rows) expect(r).toMatchObject({ source_run_id: runId, source_compare_id: null, status: 'open', threshold_value: 0.9, policy_version: 1 });
    expect(rows.find((r) => r.metric === 'min_pass_rate')!.observed_value).toBe(0.5);
    expect(await outboxCount(rows.map((r) => r.id))).toBe(2);
    const acts = await db.query(`SELECT metadata FROM activity_events WHERE agent_id = $1 AND event_type = 'slo_violation'`, [a.agent]);
    expect(acts.map((x: any) => x.metadata.violation_id).sort()).toEqual(rows.map((r) => r.id).sort());

    // checking the same run again opens nothing new
    const [run] = await db.query(`SELECT * FROM eval_runs WHERE id = $1`, [runId]);
    expect(await h.app.get(SloMonitor).checkRun(run)).toEqual([]);
    expect(await violationsOf(a.agent)).toHaveLength(2);

    const status = expectSuccess(await get(o.viewer, `/api/v1/agents/${a.agent}/slo-status`), 200);
    expect(status).toMatchObject({ status: 'violated', open_violation_count: 2, open_violations_truncated: false, latest_compare: null });
    expect(status.latest_run.run_id).toBe(runId);
    const checks = Object.fromEntries(status.latest_run.checks.map((c: any) => [c.metric, c.status]));
    expect(checks).toEqual({ min_pass_rate: 'fail', min_quality_pass_rate: 'fail', min_answer_correct_rate: 'pass', max_run_duration_seconds: 'pass' });
    expect(status.open_violations.map((v: any) => v.id).sort()).toEqual(rows.map((r) => r.id).sort());
  });

  it('an async run executed by the worker is checked on its terminal move: duration and rates', async () => {
    const a = await agentWithSet(o);
    // a run always takes some time: a zero-second limit is always breached
    await setPolicy(o, a.agent, { max_run_duration_seconds: 0, min_pass_rate: 0.6 });
    wrong = new Set(HALF_WRONG);
    const runId = expectSuccess(await post(o.member, '/api/v1/eval/runs', { agent_id: a.agent, golden_set_id: a.set }), 202).id;
    expectSuccess(await post(o.member, `/api/v1/eval/runs/${runId}/start`, {}), 202);
    const run = await waitForRun(h, o.viewer, runId, isTerminalRun);
    expect(run.status).toBe('completed');
    const rows = await waitUntil('violations of the async run', async () => ((await violationsOf(a.agent)).length >= 2 ? violationsOf(a.agent) : null), 10_000);
    expect(rows.map((r) => r.metric).sort()).toEqual(['max_run_duration_seconds', 'min_pass_rate']);
    for (const r of rows) expect(r.source_run_id).toBe(runId);
    expect(rows.find((r) => r.metric === 'max_run_duration_seconds')!.observed_value).toBeGreaterThan(0);
    expect(await outboxCount(rows.map((r) => r.id))).toBe(2);
  });

  it('a failed run is held to its duration only: its partial rates are not measured', async () => {
    const a = await agentWithSet(o);
    await setPolicy(o, a.agent, { max_run_duration_seconds: 0, min_pass_rate: 0.99 });
    wrong = new Set(HALF_WRONG);
    // a budget of three agent calls stops the run after its third case: it fails
    const run = expectSuccess(await post(o.member, '/api/v1/eval/runs', { agent_id: a.agent, golden_set_id: a.set, budget: { max_agent_calls: 3 } }), 202);
    expectError(await post(o.member, `/api/v1/eval/runs/${run.id}/execute`, {}), 409, 'EVAL_RUN_BUDGET_EXCEEDED');
    const rows = await waitUntil(
      'the violation of the failed run',
      async () => ((await violationsOf(a.agent)).length > 0 ? violationsOf(a.agent) : null),
      5000,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ metric: 'max_run_duration_seconds', source_run_id: run.id, threshold_value: 0 });
    const status = expectSuccess(await get(o.viewer, `/api/v1/agents/${a.agent}/slo-status`), 200);
    expect(status.latest_run).toMatchObject({ run_id: run.id, status: 'failed' });
    const checks = Object.fromEntries(status.latest_run.checks.map((c: any) => [c.metric, c.status]));
    expect(checks).toEqual({ min_pass_rate: 'not_measured', max_run_duration_seconds: 'fail' });
  });

  it('the judge cost of a run is held to max_run_cost_usd; a run without any cost is not measured', async () => {
    const a = await agentWithSet(o);
    wrong = new Set();
    await setPolicy(o, a.agent, { max_run_cost_usd: 0.05 });
    const runId = await executedRun(o, a);
    expect(await violationsOf(a.agent)).toEqual([]);
    const before = expectSuccess(await get(o.viewer, `/api/v1/agents/${a.agent}/slo-status`), 200);
    // the deterministic judge costs nothing: either no cost recorded (not measured) or a zero cost (met)
    expect(before.latest_run.checks).toHaveLength(1);
    expect(before.latest_run.checks[0]).toMatchObject({ metric: 'max_run_cost_usd', threshold_value: 0.05 });
    expect(['pass', 'not_measured']).toContain(before.latest_run.checks[0].status);
    // a priced judge records a cost per judge call: twelve calls at 0.01 make 0.12
    const [calls] = await db.query(`UPDATE eval_run_artifacts SET judge_cost_usd = 0.01 WHERE run_id = $1 RETURNING id`, [runId]);
    expect(calls).toHaveLength(CASES);
    const [run] = await db.query(`SELECT * FROM eval_runs WHERE id = $1`, [runId]);
    const opened = await h.app.get(SloMonitor).checkRun(run);
    expect(opened).toHaveLength(1);
    const [row] = await violationsOf(a.agent);
    expect(row).toMatchObject({ metric: 'max_run_cost_usd', threshold_value: 0.05, source_run_id: runId });
    expect(row.observed_value).toBeCloseTo(0.12, 6);
  });

  it('stored compares open regression violations; a clean compare resolves them and lists them in its remediation', async () => {
    const a = await agentWithSet(o);
    wrong = new Set();
    const baseline = await executedRun(o, a);
    wrong = new Set(HALF_WRONG);
    const candidate = await executedRun(o, a);
    await setPolicy(o, a.agent, { max_regression_count: 2, require_no_significant_regression: true });

    // the query form stores nothing and checks nothing
    expectSuccess(await get(o.viewer, `/api/v1/eval/compare?baseline_run_id=${baseline}&candidate_run_id=${candidate}`), 200);
    expect(await violationsOf(a.agent)).toEqual([]);

    const regressed = expectSuccess(await post(o.member, '/api/v1/eval/compares', { baseline_run_id: baseline, candidate_run_id: candidate }), 201);
    expect(regressed).toMatchObject({ regression_count: 6, verdict: 'regressed', remediation: null });
    const rows = await violationsOf(a.agent);
    expect(rows.map((r) => r.metric).sort()).toEqual(['max_regression_count', 'require_no_significant_regression']);
    for (const r of rows) expect(r).toMatchObject({ source_compare_id: regressed.id, source_run_id: null, status: 'open' });
    expect(rows.find((r) => r.metric === 'max_regression_count')).toMatchObject({ observed_value: 6, threshold_value: 2 });
    expect(await outboxCount(rows.map((r) => r.id))).toBe(2);

    const status = expectSuccess(await get(o.viewer, `/api/v1/agents/${a.agent}/slo-status`), 200);
    expect(status.latest_compare).toMatchObject({ compare_id: regressed.id, regression_count: 6, verdict: 'regressed' });
    expect(status.latest_compare.checks.map((c: any) => c.status)).toEqual(['fail', 'fail']);

    // a second regressed compare is a second source: its own violations
    const again = expectSuccess(await post(o.member, '/api/v1/eval/compares', { baseline_run_id: baseline, candidate_run_id: candidate }), 201);
    expect((await violationsOf(a.agent)).filter((r) => r.source_compare_id === again.id)).toHaveLength(2);
    const openIds = (await violationsOf(a.agent)).map((r) => r.id).sort();
    expect(openIds).toHaveLength(4);

    wrong = new Set();
    const fixed = await executedRun(o, a);
    const clean = expectSuccess(await post(o.member, '/api/v1/eval/compares', { baseline_run_id: baseline, candidate_run_id: fixed }), 201);
    expect(clean.regression_count).toBe(0);
    expect(clean.remediation).toMatchObject({ auto_closed: 0, updated_patterns: [] });
    expect([...clean.remediation.resolved_slo_violations].sort()).toEqual(openIds);
    expect(expectSuccess(await get(o.viewer, `/api/v1/eval/compares/${clean.id}`), 200).remediation.resolved_slo_violations).toEqual(
      clean.remediation.resolved_slo_violations,
    );
    for (const r of await violationsOf(a.agent)) expect(r).toMatchObject({ status: 'resolved', resolution: 'remediation' });
    const after = expectSuccess(await get(o.viewer, `/api/v1/agents/${a.agent}/slo-status`), 200);
    expect(after).toMatchObject({ status: 'ok', open_violation_count: 0, open_violations: [] });

    // the next clean compare has nothing left to resolve
    const cleanAgain = expectSuccess(await post(o.member, '/api/v1/eval/compares', { baseline_run_id: baseline, candidate_run_id: fixed }), 201);
    expect(cleanAgain.remediation.resolved_slo_violations).toEqual([]);
  });

  it('a violation is resolved by hand once, with a reason; the second time is 409; other agents and orgs get 404', async () => {
    const a = await agentWithSet(o);
    await setPolicy(o, a.agent, { min_pass_rate: 0.9 });
    wrong = new Set(HALF_WRONG);
    await executedRun(o, a);
    const [v] = await waitUntil('a violation', async () => ((await violationsOf(a.agent)).length > 0 ? violationsOf(a.agent) : null), 5000);
    const path = `/api/v1/agents/${a.agent}/slo-violations/${v.id}/resolve`;

    expectValidation(await patch(o.member, path, {}), ['reason']);
    expectValidation(await patch(o.member, path, { reason: '   ' }), ['reason']);
    expectError(await patch(o.viewer, path, { reason: 'fixed' }), 403, 'FORBIDDEN');
    expectError(await patch(other.admin, path, { reason: 'fixed' }), 404, 'NOT_FOUND');
    const b = await agentWithSet(o);
    expectError(await patch(o.member, `/api/v1/agents/${b.agent}/slo-violations/${v.id}/resolve`, { reason: 'fixed' }), 404, 'NOT_FOUND');
    expectError(await patch(o.member, `/api/v1/agents/${a.agent}/slo-violations/${MISSING_UUID}/resolve`, { reason: 'fixed' }), 404, 'NOT_FOUND');

    const resolved = expectSuccess(await patch(o.member, path, { reason: 'prompt fixed, verified by hand' }), 200);
    expect(resolved).toMatchObject({ id: v.id, status: 'resolved', resolution: 'manual', resolution_reason: 'prompt fixed, verified by hand' });
    expect(resolved.resolved_at).toEqual(expect.any(String));
    expect(resolved.resolved_by_key_id).toEqual(expect.any(String));
    const again = expectError(await patch(o.member, path, { reason: 'again' }), 409, 'SLO_VIOLATION_NOT_OPEN');
    expect(again.details).toMatchObject({ violation_id: v.id });
    expect(expectSuccess(await get(o.viewer, `/api/v1/agents/${a.agent}/slo-status`), 200)).toMatchObject({ status: 'ok', open_violation_count: 0 });
  });

  it('the golden-set gate defaults come from the policy; the run config still overrides them', async () => {
    const a = await agentWithSet(o);
    wrong = new Set();
    await setPolicy(o, a.agent, { require_golden_set_quality_gate: true, min_active_case_count: 1000 });
    const blocked = expectSuccess(await post(o.member, '/api/v1/eval/runs', { agent_id: a.agent, golden_set_id: a.set }), 202);
    const refusal = expectError(await post(o.member, `/api/v1/eval/runs/${blocked.id}/execute`, {}), 409, 'GOLDEN_SET_QUALITY_GATE_BLOCKED');
    expect(JSON.stringify(refusal.details)).toContain('min_active_case_count');
    // starting it on the queue is refused the same way
    expectError(await post(o.member, `/api/v1/eval/runs/${blocked.id}/start`, {}), 409, 'GOLDEN_SET_QUALITY_GATE_BLOCKED');
    // the run's own settings win field by field
    await executedRun(o, a, { require_golden_set_quality_gate: false });
    await executedRun(o, a, { min_active_case_count: 5 });
    // without the policy asking, nothing blocks
    await setPolicy(o, a.agent, {});
    expectSuccess(await post(o.member, `/api/v1/eval/runs/${blocked.id}/execute`, {}), 200);
  });

  it('the calibration gate defaults come from the policy; the run config still overrides them', async () => {
    const a = await agentWithSet(o);
    wrong = new Set();
    await setPolicy(o, a.agent, { require_calibration_gate: true, calibration_field: 'passed', min_calibration_agreement: 0.9 });
    const blocked = expectSuccess(await post(o.member, '/api/v1/eval/runs', { agent_id: a.agent, golden_set_id: a.set }), 202);
    expectError(await post(o.member, `/api/v1/eval/runs/${blocked.id}/execute`, {}), 409, 'CALIBRATION_GATE_BLOCKED');
    await executedRun(o, a, { require_calibration_gate: false });
  });

  it('every operation answers 404 for an agent of another org', async () => {
    const a = await agentWithSet(o);
    await setPolicy(o, a.agent, { min_pass_rate: 0.5 });
    expectError(await get(other.viewer, `/api/v1/agents/${a.agent}/slo-policy`), 404, 'NOT_FOUND');
    expectError(await post(other.admin, `/api/v1/agents/${a.agent}/slo-policy`, { min_pass_rate: 0.1 }), 404, 'NOT_FOUND');
    expectError(await get(other.viewer, `/api/v1/agents/${a.agent}/slo-status`), 404, 'NOT_FOUND');
    expectError(await patch(other.admin, `/api/v1/agents/${a.agent}/slo-violations/${MISSING_UUID}/resolve`, { reason: 'x' }), 404, 'NOT_FOUND');
    expect(expectSuccess(await get(o.viewer, `/api/v1/agents/${a.agent}/slo-policy`), 200).min_pass_rate).toBe(0.5);
    const status = expectSuccess(await get(o.viewer, `/api/v1/agents/${(await agentWithSet(o)).agent}/slo-status`), 200);
    expect(status).toMatchObject({ status: 'no_policy', policy: null, latest_run: null, latest_compare: null, open_violation_count: 0 });
  });
});
