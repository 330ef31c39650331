import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { latestCompletedRun } from '@greenlight/evaluation';
import { LaunchGateService } from '@greenlight/launch';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';
import { createAgent, expectError, expectSuccess, expectValidation, MISSING_UUID } from './support/e2e-helpers';

/**
 * The launch gate on real runs and compares (golden set uploaded, runs executed in the request by the
 * built-in executor and judge). Patterns come from the API; violations, readiness and policies are
 * written in SQL (what their own features would write), so each blocker is seen to block and to clear.
 */
describe('launch gate and launch decisions', () => {
  let h: ApiHarness;
  let db: DataSource;
  let A: OrgKeys;
  let B: OrgKeys;

  const post = (key: string, path: string, body: object) => h.http.post(path).set(bearer(key)).set('Idempotency-Key', randomUUID()).send(body);
  const get = (key: string, path: string) => h.http.get(path).set(bearer(key));
  const gate = async (agentId: string, key = A.viewer) => expectSuccess(await get(key, `/api/v1/agents/${agentId}/launch-gate`), 200);
  const kinds = async (agentId: string) => (await gate(agentId)).blockers.map((b: { kind: string }) => b.kind);
  const decide = (agentId: string, decision: string, key = A.admin, reason = `because ${decision}`) =>
    post(key, `/api/v1/agents/${agentId}/launch-decision`, { decision, reason });

  /** An agent with a golden set of 6 cases and one completed run; returns ids. */
  async function agentWithRun(): Promise<{ id: string; setId: string; runId: string }> {
    const agent = await createAgent(h, A.member);
    const cases = Array.from({ length: 6 }, (_, i) => ({ input: `question ${i}`, expected_answer: `answer ${i}` }));
    const up = expectSuccess(await post(A.member, '/api/v1/golden-sets/upload', { agent_id: agent.id, name: uniqueName('Set'), cases }), 201);
    const runId = await completedRun(agent.id, up.golden_set.id);
    return { id: agent.id, setId: up.golden_set.id, runId };
  }

  async function completedRun(agentId: string, setId: string): Promise<string> {
    const id = expectSuccess(await post(A.member, '/api/v1/eval/runs', { agent_id: agentId, golden_set_id: setId }), 202).id as string;
    expectSuccess(await post(A.member, `/api/v1/eval/runs/${id}/execute`, {}), 200);
    return id;
  }

  async function setPolicy(agentId: string, thresholds: Record<string, unknown>): Promise<string> {
    const [row] = await db.query(
      `INSERT INTO slo_policies (org_id, agent_id, thresholds) VALUES ($1, $2, $3::jsonb)
       ON CONFLICT (agent_id) DO UPDATE SET thresholds = EXCLUDED.thresholds, version = slo_policies.version + 1 RETURNING id`,
      [A.org_id, agentId, JSON.stringify(thresholds)],
    );
    return row.id;
  }

  beforeAll(async () => {
    h = await startApi({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    db = h.app.get(DataSource);
    const g = await globalAdmin(h.config);
    [A, B] = await Promise.all([orgWithKeys(h, g.api_key), orgWithKeys(h, g.api_key)]);
  });
  afterAll(() => h.close());

  it('a fresh agent passes, with its signals', async () => {
    const agent = await createAgent(h, A.member);
    const g = await gate(agent.id);
    expect(g).toMatchObject({ agent_id: agent.id, org_id: A.org_id, status: 'pass', blockers: [] });
    expect(g.signals).toEqual({
      critical_open_patterns: 0,
      open_slo_violations: 0,
      readiness_pending: 0,
      latest_compare: null,
      latest_completed_run: null,
      calibration_gate: { required: false, status: null, reasons: [] },
      golden_set_quality_gate: { required: false, status: null, golden_set_id: null },
      slo_policy: null,
    });
    expect(Date.parse(g.evaluated_at)).not.toBeNaN();
  });

  it('a critical pattern blocks until it is resolved; other priorities do not', async () => {
    const agent = await createAgent(h, A.member);
    expectSuccess(await post(A.member, `/api/v1/agents/${agent.id}/patterns`, { title: 'slow but fine', priority: 'high' }), 201);
    expect(await kinds(agent.id)).toEqual([]);
    const p = expectSuccess(await post(A.member, `/api/v1/agents/${agent.id}/patterns`, { title: 'leaks data', priority: 'critical' }), 201);
    const g = await gate(agent.id);
    expect(g.status).toBe('blocked');
    expect(g.blockers).toEqual([
      { kind: 'critical_issue_patterns', message: expect.any(String), details: { count: 1, patterns: [{ id: p.id, title: 'leaks data', status: 'open' }] } },
    ]);
    expect(g.signals.critical_open_patterns).toBe(1);
    expectSuccess(await h.http.patch(`/api/v1/agents/${agent.id}/patterns/${p.id}`).set(bearer(A.member)).send({ status: 'in_progress' }), 200);
    expect(await kinds(agent.id)).toEqual(['critical_issue_patterns']);
    await db.query(`UPDATE issue_patterns SET status = 'resolved', resolved_date = now() WHERE id = $1`, [p.id]);
    expect(await gate(agent.id)).toMatchObject({ status: 'pass', blockers: [] });
  });

  it('an open SLO violation blocks until it is resolved', async () => {
    const agent = await createAgent(h, A.member);
    const policyId = await setPolicy(agent.id, { min_pass_rate: 0.9 });
    const [v] = await db.query(
      `INSERT INTO slo_violations (org_id, agent_id, policy_id, policy_version, metric, observed_value, threshold_value)
       VALUES ($1, $2, $3, 1, 'min_pass_rate', 0.5, 0.9) RETURNING id`,
      [A.org_id, agent.id, policyId],
    );
    const g = await gate(agent.id);
    expect(g.blockers).toEqual([
      {
        kind: 'open_slo_violations',
        message: expect.any(String),
        details: {
          count: 1,
          violations: [{ id: v.id, metric: 'min_pass_rate', observed_value: 0.5, threshold_value: 0.9, source_run_id: null, source_compare_id: null }],
        },
      },
    ]);
    expect(g.signals.slo_policy).toEqual({ id: policyId, version: 1 });
    await db.query(`UPDATE slo_violations SET status = 'resolved', resolved_at = now(), resolution = 'manual' WHERE id = $1`, [v.id]);
    expect((await gate(agent.id)).status).toBe('pass');
  });

  it('pending readiness items block until none is pending', async () => {
    const agent = await createAgent(h, A.member);
    const items = [
      { key: 'legal', title: 'Legal review', owner: 'legal@example.com', status: 'pending', note: null },
      { key: 'docs', title: 'Docs', owner: null, status: 'done', note: null },
    ];
    await db.query(`INSERT INTO agent_readiness (org_id, agent_id, items, pending_count) VALUES ($1, $2, $3::jsonb, 1)`, [
      A.org_id,
      agent.id,
      JSON.stringify(items),
    ]);
    const g = await gate(agent.id);
    expect(g.blockers).toEqual([
      {
        kind: 'readiness_pending',
        message: expect.any(String),
        details: { pending_count: 1, items: [{ key: 'legal', title: 'Legal review', owner: 'legal@example.com' }] },
      },
    ]);
    items[0].status = 'done';
    await db.query(`UPDATE agent_readiness SET items = $2::jsonb, pending_count = 0 WHERE agent_id = $1`, [agent.id, JSON.stringify(items)]);
    expect((await gate(agent.id)).status).toBe('pass');
  });

  it('the calibration gate blocks only when the policy requires it, and clears with a good calibration', async () => {
    const a = await agentWithRun();
    expect((await gate(a.id)).signals.latest_completed_run).toMatchObject({ id: a.runId, golden_set_id: a.setId });
    await setPolicy(a.id, { require_calibration_gate: true });
    let g = await gate(a.id);
    expect(g.blockers).toEqual([
      { kind: 'calibration_gate', message: expect.stringContaining('no_calibration'), details: expect.objectContaining({ reasons: ['no_calibration'] }) },
    ]);
    expect(g.signals.calibration_gate).toEqual({ required: true, status: 'blocked', reasons: ['no_calibration'] });
    // the judge passes half the cases; humans agree on every one: agreement 1, kappa 1
    const rows: { case_id: string }[] = await db.query(`SELECT case_id FROM eval_results WHERE run_id = $1 AND trial = 1 ORDER BY case_id`, [a.runId]);
    for (const [i, r] of rows.entries())
      await db.query(`UPDATE eval_results SET passed = $3 WHERE run_id = $1 AND case_id = $2`, [a.runId, r.case_id, i % 2 === 0]);
    const labels = rows.map((r, i) => ({ case_id: r.case_id, passed: i % 2 === 0 }));
    expectSuccess(await post(A.member, '/api/v1/calibration/runs', { run_id: a.runId, labels }), 201);
    g = await gate(a.id);
    expect(g.status).toBe('pass');
    expect(g.signals.calibration_gate).toEqual({ required: true, status: 'pass', reasons: [] });
    // a policy minimum above what was measured blocks again
    await setPolicy(a.id, { require_calibration_gate: true, min_calibration_agreement: 1, max_calibration_age_days: 1 });
    expect((await gate(a.id)).status).toBe('pass');
    await db.query(`UPDATE calibration_runs SET created_at = now() - interval '2 days' WHERE agent_id = $1`, [a.id]);
    expect((await gate(a.id)).blockers[0].details.reasons).toEqual(['calibration_too_old']);
  });

  it("the golden-set quality gate of the latest run's set blocks only when the policy requires it", async () => {
    const a = await agentWithRun();
    await setPolicy(a.id, { require_golden_set_quality_gate: true, min_verified_case_ratio: 0.5 });
    const g = await gate(a.id);
    expect(g.blockers).toEqual([
      {
        kind: 'golden_set_quality_gate',
        message: expect.stringContaining('verified'),
        details: expect.objectContaining({ run_id: a.runId, golden_set_id: a.setId, active_case_count: 6, verified_case_count: 0, passed: false }),
      },
    ]);
    expect(g.signals.golden_set_quality_gate).toEqual({ required: true, status: 'blocked', golden_set_id: a.setId });
    await db.query(
      `UPDATE golden_set_cases SET verified_at = now() WHERE id IN (SELECT id FROM golden_set_cases WHERE golden_set_id = $1 ORDER BY id LIMIT 3)`,
      [a.setId],
    );
    expect(await gate(a.id)).toMatchObject({ status: 'pass', signals: { golden_set_quality_gate: { required: true, status: 'pass' } } });
    // an agent that requires it but has no completed run is blocked too
    const fresh = await createAgent(h, A.member);
    await setPolicy(fresh.id, { require_golden_set_quality_gate: true });
    expect((await gate(fresh.id)).blockers).toEqual([
      {
        kind: 'golden_set_quality_gate',
        message: expect.any(String),
        details: { reason: 'no_completed_run', thresholds: { min_active_case_count: 1, min_verified_case_ratio: 0 } },
      },
    ]);
  });

  it('a latest compare with regressions blocks; a later clean compare clears it', async () => {
    const a = await agentWithRun();
    const worse = await completedRun(a.id, a.setId);
    await db.query(
      `UPDATE eval_results SET passed = false WHERE run_id = $1 AND case_id IN (SELECT case_id FROM eval_results WHERE run_id = $1 ORDER BY case_id LIMIT 2)`,
      [worse],
    );
    const bad = expectSuccess(await post(A.member, '/api/v1/eval/compares', { baseline_run_id: a.runId, candidate_run_id: worse }), 201);
    expect(bad.regression_count).toBe(2);
    const g = await gate(a.id);
    expect(g.blockers).toEqual([
      {
        kind: 'latest_compare_regressed',
        message: expect.any(String),
        details: { compare_id: bad.id, verdict: bad.verdict, regression_count: 2, baseline_run_id: a.runId, candidate_run_id: worse },
      },
    ]);
    expect(g.signals.latest_compare).toMatchObject({ id: bad.id, regression_count: 2 });
    const clean = expectSuccess(await post(A.member, '/api/v1/eval/compares', { baseline_run_id: worse, candidate_run_id: a.runId }), 201);
    expect(clean.regression_count).toBe(0);
    expect(await gate(a.id)).toMatchObject({ status: 'pass', signals: { latest_compare: { id: clean.id } } });
  });

  it('go is refused while blocked (409 with the blockers), no_go and rollback are always recorded, go is accepted once clear', async () => {
    const agent = await createAgent(h, A.member);
    const hook = expectSuccess(
      await post(A.admin, '/api/v1/webhooks/endpoints', { url: 'http://127.0.0.1:9/launch', event_types: ['launch_decision_changed'] }),
      201,
    );
    const p = expectSuccess(await post(A.member, `/api/v1/agents/${agent.id}/patterns`, { title: 'unsafe', priority: 'critical' }), 201);
    const err = expectError(await decide(agent.id, 'go'), 409, 'LAUNCH_GATE_BLOCKED');
    expect(err.details.blockers.map((b: { kind: string }) => b.kind)).toEqual(['critical_issue_patterns']);
    expect(err.details.blockers[0].details.patterns[0].id).toBe(p.id);
    const noGo = expectSuccess(await decide(agent.id, 'no_go'), 201);
    expect(noGo).toMatchObject({ kind: 'decision', decision: 'no_go', gate_status: 'blocked', seq: 1, reason: 'because no_go', certification_status: null });
    expect(noGo.evidence.gate.blockers[0].kind).toBe('critical_issue_patterns');
    expect(expectSuccess(await decide(agent.id, 'rollback'), 201)).toMatchObject({ decision: 'rollback', seq: 2 });
    await db.query(`UPDATE issue_patterns SET status = 'resolved', resolved_date = now() WHERE id = $1`, [p.id]);
    const go = expectSuccess(await decide(agent.id, 'go'), 201);
    expect(go).toMatchObject({ decision: 'go', gate_status: 'pass', seq: 3, prev_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const list = expectSuccess(await get(A.viewer, `/api/v1/agents/${agent.id}/launch-decisions?limit=2`), 200);
    expect(list).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(list.items.map((d: { decision: string }) => d.decision)).toEqual(['go', 'rollback']);
    // events: activity and a webhook per decision, the change named against the previous decision
    const acts = await db.query(`SELECT metadata FROM activity_events WHERE agent_id = $1 AND event_type = 'launch_decision_changed' ORDER BY created_at, id`, [
      agent.id,
    ]);
    expect(acts.map((r: any) => [r.metadata.previous_decision, r.metadata.decision])).toEqual([
      [null, 'no_go'],
      ['no_go', 'rollback'],
      ['rollback', 'go'],
    ]);
    const outbox = await db.query(
      `SELECT data FROM notification_outbox WHERE endpoint_id = $1 AND event_type = 'launch_decision_changed' ORDER BY created_at`,
      [hook.endpoint.id],
    );
    expect(outbox.map((r: any) => r.data.decision).sort()).toEqual(['go', 'no_go', 'rollback']);
    expect(outbox.find((r: any) => r.data.decision === 'go').data).toMatchObject({ agent_id: agent.id, decision_id: go.id, gate_status: 'pass', seq: 3 });
  });

  it('validates decisions', async () => {
    const agent = await createAgent(h, A.member);
    expectValidation(await post(A.admin, `/api/v1/agents/${agent.id}/launch-decision`, { decision: 'maybe', reason: 'x' }), ['decision']);
    expectValidation(await post(A.admin, `/api/v1/agents/${agent.id}/launch-decision`, { decision: 'go' }), ['reason']);
    expectValidation(await post(A.admin, `/api/v1/agents/${agent.id}/launch-decision`, { decision: 'go', reason: '   ' }), ['reason']);
    expectValidation(await post(A.admin, `/api/v1/agents/${agent.id}/launch-decision`, { decision: 'go', reason: 'x'.repeat(2001) }), ['reason']);
    expectValidation(await post(A.admin, `/api/v1/agents/${agent.id}/launch-decision`, { decision: 'go', reason: 'ok', extra: 1 }));
    expectValidation(await get(A.viewer, `/api/v1/agents/${agent.id}/launch-decisions?limit=0`), ['limit']);
    expectValidation(await get(A.viewer, `/api/v1/agents/not-a-uuid/launch-gate`));
  });

  it('roles and tenancy: viewers read, admins decide; another org gets 404', async () => {
    const agent = await createAgent(h, A.member);
    await gate(agent.id, A.viewer);
    expectError(await decide(agent.id, 'no_go', A.member), 403, 'FORBIDDEN');
    expectError(await decide(agent.id, 'no_go', A.viewer), 403, 'FORBIDDEN');
    for (const path of ['launch-gate', 'launch-decisions']) {
      expectError(await get(B.viewer, `/api/v1/agents/${agent.id}/${path}`), 404, 'NOT_FOUND');
      expectError(await get(A.viewer, `/api/v1/agents/${MISSING_UUID}/${path}`), 404, 'NOT_FOUND');
    }
    expectError(await decide(agent.id, 'no_go', B.admin), 404, 'NOT_FOUND');
    expectError(await decide(MISSING_UUID, 'no_go'), 404, 'NOT_FOUND');
    expect((await db.query(`SELECT count(*)::int AS n FROM launch_records WHERE agent_id = $1`, [agent.id]))[0].n).toBe(0);
  });

  it('the batch gives every agent the same answer as the single gate, and leaves out agents of other orgs', async () => {
    const agents = (await db.query(`SELECT id FROM agents WHERE org_id = $1 ORDER BY created_at`, [A.org_id])) as { id: string }[];
    expect(agents.length).toBeGreaterThanOrEqual(10);
    // mixed states: one agent requires both gates with a stale calibration, one requires both without any run
    const [x, y] = [agents[agents.length - 1].id, agents[0].id];
    await setPolicy(x, { require_calibration_gate: true, require_golden_set_quality_gate: true, min_verified_case_ratio: 0.9 });
    await setPolicy(y, { require_calibration_gate: true, calibration_field: 'quality_score', require_golden_set_quality_gate: true });
    // the latest completed run is the one completed last, whatever the order the runs were created in
    const z = await agentWithRun();
    const later = await completedRun(z.id, z.setId);
    await db.query(`UPDATE eval_runs SET completed_at = completed_at + interval '1 hour' WHERE id = $1`, [z.runId]);
    agents.push({ id: z.id });
    const otherOrg = await createAgent(h, B.member);
    const ids = [...agents.map((a) => a.id), otherOrg.id];
    const batch = await h.app.get(LaunchGateService).evaluateMany(A.org_id, ids);
    expect([...batch.keys()]).toEqual(agents.map((a) => a.id));
    const strip = (v: any) => ({ ...v, evaluated_at: undefined });
    let blocked = 0;
    for (const { id } of agents) {
      const single = await gate(id);
      expect(strip(batch.get(id))).toEqual(strip(single));
      if (single.status === 'blocked') blocked += 1;
    }
    expect(blocked).toBeGreaterThanOrEqual(3);
    for (const { id } of agents) {
      const latest = await latestCompletedRun(db, { id, org_id: A.org_id });
      expect(batch.get(id)!.signals.latest_completed_run?.id ?? null).toBe(latest?.id ?? null);
    }
    expect(batch.get(z.id)!.signals.latest_completed_run?.id).toBe(z.runId);
    expect(later).not.toBe(z.runId);
    const kindsOf = (id: string) => batch.get(id)!.blockers.map((b) => b.kind);
    expect(kindsOf(y)).toEqual(expect.arrayContaining(['calibration_gate', 'golden_set_quality_gate']));
    expect(await h.app.get(LaunchGateService).evaluateMany(B.org_id, [x])).toEqual(new Map());
    // no query per agent: 3 (the inputs in one statement, then the calibration and golden-set gates' batches) for two agents or all of them
    const counted = async (list: string[]) => {
      let n = 0;
      const m = { query: (sql: string, params?: unknown[]) => ((n += 1), db.query(sql, params)) } as unknown as EntityManager;
      await h.app.get(LaunchGateService).evaluateMany(A.org_id, list, m);
      return n;
    };
    const all = await counted(agents.map((a) => a.id));
    expect(all).toBe(3);
    expect(agents.length).toBeGreaterThan(all);
    expect(await counted([x, y])).toBeLessThanOrEqual(all);
  });
});
