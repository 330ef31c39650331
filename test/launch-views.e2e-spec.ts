import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';
import { createAgent, expectError, expectSuccess, expectValidation, freshRequestId, keyIdOf, MISSING_UUID, sleep } from './support/e2e-helpers';

/**
 * The read views of launch posture on a seeded history: runs made through the API (executed in the
 * request by the built-in executor and judge, then a few verdicts set in SQL so runs differ),
 * patterns through the API, SLO policies, violations, readiness and older activity seeded in SQL.
 */
describe('launch views: activity, score trend, health, portfolio, audit by agent', () => {
  let h: ApiHarness;
  let db: DataSource;
  let g: { org_id: string; api_key: string };
  let A: OrgKeys;
  let B: OrgKeys;
  let agent: any;
  let other: any;
  let agentB: any;
  let setId: string;
  let runs: string[];
  let runRequestId: string;

  const get = (key: string, path: string, query: Record<string, unknown> = {}) => h.http.get(path).query(query).set(bearer(key));
  const post = (key: string, path: string, body: object, requestId?: string) =>
    h.http
      .post(path)
      .set(bearer(key))
      .set('X-Request-Id', requestId ?? freshRequestId('views'))
      .send(body);
  const ok = async (key: string, path: string, query: Record<string, unknown> = {}) => expectSuccess(await get(key, path, query), 200);

  /** A run of `agentId` executed through the API, its verdicts then set: every `failEvery`-th case fails, the others pass. */
  const completedRun = async (agentId: string, goldenSetId: string, failEvery: number, requestId?: string) => {
    const run = expectSuccess(await post(A.member, '/api/v1/eval/runs', { agent_id: agentId, golden_set_id: goldenSetId }, requestId), 202);
    expectSuccess(await post(A.member, `/api/v1/eval/runs/${run.id}/execute`, {}), 200);
    await db.query(
      `UPDATE eval_results r SET passed = ok, answer_correct = ok, quality_score = CASE WHEN ok THEN 5 ELSE 2 END
         FROM golden_set_cases c, LATERAL (SELECT c.position % $2 <> $2 - 1 AS ok) v
        WHERE c.id = r.case_id AND r.run_id = $1`,
      [run.id, failEvery],
    );
    return run.id as string;
  };
  const uploadSet = async (agentId: string) => {
    const cases = Array.from({ length: 10 }, (_, i) => ({ input: `question ${i}`, expected_answer: `answer ${i}` }));
    return expectSuccess(await post(A.member, '/api/v1/golden-sets/upload', { agent_id: agentId, name: uniqueName('Set'), cases }), 201).golden_set
      .id as string;
  };

  beforeAll(async () => {
    h = await startApi();
    db = h.app.get(DataSource);
    g = await globalAdmin(h.config);
    [A, B] = await Promise.all([orgWithKeys(h, g.api_key), orgWithKeys(h, g.api_key)]);
    [agent, other, agentB] = await Promise.all([createAgent(h, A.member), createAgent(h, A.member), createAgent(h, B.member)]);
    setId = await uploadSet(agent.id);
    runRequestId = freshRequestId('views-run');
    runs = [await completedRun(agent.id, setId, 2, runRequestId), await completedRun(agent.id, setId, 3), await completedRun(agent.id, setId, 5)];
    // completion order is creation order; spread them a day apart so time windows can be tested
    for (const [i, id] of runs.entries())
      await db.query(`UPDATE eval_runs SET completed_at = now() - ($2::int * interval '1 day') WHERE id = $1`, [id, 2 * (runs.length - i)]);
  }, 60_000);
  afterAll(() => h.close());

  describe('activity', () => {
    const path = () => `/api/v1/agents/${agent.id}/activity`;

    it('lists the agent’s domain events newest first, with filters and pagination', async () => {
      const all = await ok(A.viewer, path(), { limit: 200 });
      const types = all.items.map((i: any) => i.event_type);
      expect(types.filter((t: string) => t === 'run_created')).toHaveLength(3);
      expect(types.filter((t: string) => t === 'run_completed')).toHaveLength(3);
      expect(types).toEqual(expect.arrayContaining(['agent_created', 'golden_set_uploaded']));
      expect(all.items.every((i: any) => i.agent_id === agent.id && i.source === 'activity')).toBe(true);
      const times = all.items.map((i: any) => Date.parse(i.created_at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      expect(all.total).toBe(all.items.length);

      const created = await ok(A.viewer, path(), { event_type: 'run_created' });
      expect(created.total).toBe(3);
      expect(created.items.map((i: any) => i.run_id).sort()).toEqual([...runs].sort());
      const two = await ok(A.viewer, path(), { event_type: 'run_created,run_completed' });
      expect(two.total).toBe(6);

      const p1 = await ok(A.viewer, path(), { limit: 2, offset: 0 });
      const p2 = await ok(A.viewer, path(), { limit: 2, offset: 2 });
      expect(p1).toMatchObject({ limit: 2, offset: 0, total: all.total });
      expect([...p1.items, ...p2.items].map((i: any) => i.id)).toEqual(all.items.slice(0, 4).map((i: any) => i.id));

      const byRun = await ok(A.viewer, path(), { run_id: runs[1] });
      expect(byRun.items.map((i: any) => i.event_type).sort()).toEqual(['run_completed', 'run_created']);
    });

    it('filters by time window, API key and request id', async () => {
      const old = '2020-01-02T03:04:05.000Z';
      await db.query(`INSERT INTO activity_events (org_id, agent_id, event_type, metadata, created_at) VALUES ($1, $2, 'seeded_old_event', '{}', $3)`, [
        A.org_id,
        agent.id,
        old,
      ]);
      const before = await ok(A.viewer, path(), { until: '2021-01-01T00:00:00Z' });
      expect(before.items.map((i: any) => i.event_type)).toEqual(['seeded_old_event']);
      const after = await ok(A.viewer, path(), { since: '2021-01-01T00:00:00Z', limit: 200 });
      expect(after.items.map((i: any) => i.event_type)).not.toContain('seeded_old_event');
      const exact = await ok(A.viewer, path(), { since: old, until: '2020-01-02T03:04:06Z' });
      expect(exact.total).toBe(1);

      const memberKey = await keyIdOf(h, g.api_key, A.member, A.org_id);
      const byKey = await ok(A.viewer, path(), { actor_key_id: memberKey, limit: 200 });
      expect(byKey.total).toBeGreaterThanOrEqual(5);
      expect(byKey.items.every((i: any) => i.actor_key_id === memberKey)).toBe(true);
      expect((await ok(A.viewer, path(), { actor_key_id: MISSING_UUID })).total).toBe(0);

      const byRequest = await ok(A.viewer, path(), { request_id: runRequestId });
      expect(byRequest.items.map((i: any) => [i.event_type, i.run_id])).toEqual([['run_created', runs[0]]]);
    });

    it('merges the runs’ queue-level steps only when asked, without listing finished runs twice', async () => {
      const plain = await ok(A.viewer, path(), { limit: 200 });
      const merged = await ok(A.viewer, path(), { include_run_events: true, limit: 200 });
      const steps = merged.items.filter((i: any) => i.source === 'run_event');
      expect(steps.length).toBeGreaterThanOrEqual(3);
      expect(steps.map((i: any) => i.event_type)).toEqual(expect.arrayContaining(['run_started']));
      expect(steps.every((i: any) => runs.includes(i.run_id))).toBe(true);
      expect(merged.total).toBe(plain.total + steps.length);
      expect(merged.items.filter((i: any) => i.event_type === 'run_completed')).toHaveLength(3);
      const started = await ok(A.viewer, path(), { include_run_events: true, event_type: 'run_started' });
      expect(started.total).toBe(3);
    });

    it('refuses bad filters naming the field', async () => {
      expectValidation(await get(A.viewer, path(), { event_type: 'Bad Type!' }), ['event_type']);
      expectValidation(await get(A.viewer, path(), { since: 'yesterday' }), ['since']);
      expectValidation(await get(A.viewer, path(), { actor_key_id: 'nope' }), ['actor_key_id']);
      expectValidation(await get(A.viewer, path(), { include_run_events: 'maybe' }), ['include_run_events']);
      expectValidation(await get(A.viewer, path(), { limit: 0 }), ['limit']);
    });
  });

  describe('score trend', () => {
    const path = () => `/api/v1/agents/${agent.id}/score-trend`;

    it('gives each completed run, oldest first, with the rates of its summary', async () => {
      const trend = await ok(A.viewer, path());
      expect(trend.points.map((p: any) => p.run_id)).toEqual(runs);
      for (const p of trend.points) {
        const s = await ok(A.viewer, `/api/v1/eval/runs/${p.run_id}/summary`);
        expect(p).toMatchObject({
          answer_correct_rate: s.answer.rate,
          source_correct_rate: s.source.rate,
          quality_pass_rate: s.quality.pass_rate,
          pass_rate: s.pass_rate,
          result_count: s.result_count,
          error_count: s.error_count,
          total_cases: s.total_cases,
        });
      }
      // every 2nd, 3rd, 5th of the ten cases failed
      expect(trend.points.map((p: any) => p.pass_rate)).toEqual([0.5, 0.7, 0.8]);
      expect(trend.change.pass_rate).toBeCloseTo(0.3, 10);
      expect(trend.window).toMatchObject({ limit: 30, days: null, run_type: null });
    });

    it('windows by count, days and run type', async () => {
      expect((await ok(A.viewer, path(), { limit: 2 })).points.map((p: any) => p.run_id)).toEqual(runs.slice(1));
      const recent = await ok(A.viewer, path(), { days: 5 });
      expect(recent.points.map((p: any) => p.run_id)).toEqual(runs.slice(1));
      expect(Date.parse(recent.window.since)).toBeLessThan(Date.now() - 4.9 * 86_400_000);
      const one = await ok(A.viewer, path(), { days: 3 });
      expect(one).toMatchObject({ change: null });
      expect(one.points).toHaveLength(1);
      expect((await ok(A.viewer, path(), { run_type: 'smoke' })).points).toEqual([]);
      expect((await ok(A.viewer, path(), { run_type: 'eval' })).points).toHaveLength(3);
      expectValidation(await get(A.viewer, path(), { limit: 501 }), ['limit']);
      expectValidation(await get(A.viewer, path(), { days: 0 }), ['days']);
      expectValidation(await get(A.viewer, path(), { run_type: 'weekly' }), ['run_type']);
    });
  });

  describe('health and portfolio', () => {
    let third: any;

    beforeAll(async () => {
      for (const priority of ['critical', 'high', 'high', 'low'])
        expectSuccess(await post(A.member, `/api/v1/agents/${agent.id}/patterns`, { title: uniqueName('Pattern'), priority }), 201);
      const resolved = expectSuccess(await post(A.member, `/api/v1/agents/${agent.id}/patterns`, { title: uniqueName('Pattern'), priority: 'critical' }), 201);
      await db.query(`UPDATE issue_patterns SET status = 'resolved', resolved_date = now() WHERE id = $1`, [resolved.id]);
      const [policy] = await db.query(`INSERT INTO slo_policies (org_id, agent_id, thresholds) VALUES ($1, $2, '{"min_pass_rate": 0.9}') RETURNING id`, [
        A.org_id,
        agent.id,
      ]);
      await db.query(
        `INSERT INTO slo_violations (org_id, agent_id, policy_id, policy_version, metric, observed_value, threshold_value, status, resolved_at)
         VALUES ($1, $2, $3, 1, 'pass_rate', 0.8, 0.9, 'open', NULL), ($1, $2, $3, 1, 'pass_rate', 0.5, 0.9, 'resolved', now())`,
        [A.org_id, agent.id, policy.id],
      );
      await db.query(`INSERT INTO agent_readiness (org_id, agent_id, items, pending_count, decision_snapshot) VALUES ($1, $2, $3, 1, $4)`, [
        A.org_id,
        agent.id,
        JSON.stringify([
          { key: 'legal', title: 'Legal review', owner: 'legal', status: 'pending', note: null },
          { key: 'docs', title: 'Docs', owner: null, status: 'done', note: null },
        ]),
        JSON.stringify({ decision: 'not_ready', pending_count: 1, pending_keys: ['legal'] }),
      ]);
      // `other` has one clean run; a third agent has nothing at all
      await completedRun(other.id, await uploadSet(other.id), 100);
      third = await createAgent(h, A.member);
    }, 60_000);

    it('health brings the gate, latest run, open patterns and violations, readiness together', async () => {
      const health = await ok(A.viewer, `/api/v1/agents/${agent.id}/health`);
      const trend = await ok(A.viewer, `/api/v1/agents/${agent.id}/score-trend`);
      expect(health).toMatchObject({
        agent_id: agent.id,
        org_id: A.org_id,
        agent_name: agent.name,
        latest_completed_run: trend.points[2],
        issue_patterns: { open_total: 4, by_priority: { critical: 1, high: 2, medium: 0, low: 1 } },
        slo: { has_policy: true, open_violations: 1 },
        readiness: { exists: true, pending_count: 1, decision_snapshot: { decision: 'not_ready', pending_keys: ['legal'] } },
        latest_decision: null,
      });
      expect(health.launch_gate.status).toBe('blocked');
      expect(health.launch_gate.blockers.map((b: any) => b.kind).sort()).toEqual(['critical_issue_patterns', 'open_slo_violations', 'readiness_pending']);
      expect(health.launch_gate.signals).toMatchObject({ critical_open_patterns: 1, open_slo_violations: 1, readiness_pending: 1 });

      const empty = await ok(A.viewer, `/api/v1/agents/${third.id}/health`);
      expect(empty).toMatchObject({
        latest_completed_run: null,
        issue_patterns: { open_total: 0 },
        slo: { has_policy: false, open_violations: 0 },
        readiness: { exists: false, pending_count: 0, decision_snapshot: null },
        launch_gate: { status: 'pass', blockers: [] },
      });
    });

    it('portfolio: each agent’s posture is its launch gate, and the roll-ups add up', async () => {
      const p = await ok(A.viewer, `/api/v1/orgs/${A.org_id}/portfolio-health`);
      const items: any[] = p.agents.items;
      expect(p.agents.total).toBe(3);
      expect(items.map((i) => i.agent_id).sort()).toEqual([agent.id, other.id, third.id].sort());
      for (const item of items) {
        const health = await ok(A.viewer, `/api/v1/agents/${item.agent_id}/health`);
        expect(item.posture).toEqual({ status: health.launch_gate.status, blocker_kinds: health.launch_gate.blockers.map((b: any) => b.kind) });
        expect(item.latest_completed_run).toEqual(health.latest_completed_run);
        expect(item.open_slo_violations).toBe(health.slo.open_violations);
        expect(item.open_critical_patterns).toBe(health.issue_patterns.by_priority.critical);
        const gate = await ok(A.viewer, `/api/v1/agents/${item.agent_id}/launch-gate`);
        expect(item.posture).toEqual({ status: gate.status, blocker_kinds: gate.blockers.map((b: any) => b.kind) });
      }
      const r = p.rollups;
      expect(r.agent_count).toBe(3);
      expect(r.agents_by_posture).toEqual({ pass: 2, blocked: 1 });
      expect(r.agents_by_posture.pass + r.agents_by_posture.blocked).toBe(r.agent_count);
      expect(r.blocked_by_kind).toEqual({ critical_issue_patterns: 1, open_slo_violations: 1, readiness_pending: 1 });
      expect(r.open_slo_violations).toBe(items.reduce((n, i) => n + i.open_slo_violations, 0));
      expect(r.open_critical_patterns).toBe(1);
      expect(r.agents_with_completed_runs).toBe(2);
      const rates = items.filter((i) => i.latest_completed_run).map((i) => i.latest_completed_run.pass_rate);
      expect(r.average_latest_pass_rate).toBeCloseTo(rates.reduce((a, b) => a + b, 0) / rates.length, 4);
      expect(r.average_latest_pass_rate).toBeCloseTo((0.8 + 1) / 2, 4);
      expect(r.agents_by_latest_decision.none + r.agents_by_latest_decision.go + r.agents_by_latest_decision.no_go + r.agents_by_latest_decision.rollback).toBe(
        3,
      );
    });

    it('portfolio pages agents by name and filters by posture; roll-ups stay whole', async () => {
      const all = await ok(A.viewer, `/api/v1/orgs/${A.org_id}/portfolio-health`);
      const page = await ok(A.viewer, `/api/v1/orgs/${A.org_id}/portfolio-health`, { limit: 2, offset: 1 });
      expect(page.agents).toMatchObject({ limit: 2, offset: 1, total: 3 });
      expect(page.agents.items.map((i: any) => i.agent_id)).toEqual(all.agents.items.slice(1, 3).map((i: any) => i.agent_id));
      const blocked = await ok(A.viewer, `/api/v1/orgs/${A.org_id}/portfolio-health`, { posture: 'blocked' });
      expect(blocked.agents.items.map((i: any) => i.agent_id)).toEqual([agent.id]);
      expect(blocked.rollups).toEqual(all.rollups);
      expectValidation(await get(A.viewer, `/api/v1/orgs/${A.org_id}/portfolio-health`, { posture: 'green' }), ['posture']);
    });

    it('the latest launch decision of each agent shows on its health and in the portfolio', async () => {
      const decide = async (agentId: string, decision: string) =>
        expectSuccess(await post(A.admin, `/api/v1/agents/${agentId}/launch-decision`, { decision, reason: `e2e ${decision}` }), 201);
      await decide(agent.id, 'no_go');
      const rollback = await decide(agent.id, 'rollback');
      const go = await decide(third.id, 'go');
      const health = await ok(A.viewer, `/api/v1/agents/${agent.id}/health`);
      expect(health.latest_decision).toEqual({ id: rollback.id, decision: 'rollback', reason: 'e2e rollback', created_at: rollback.created_at });
      const p = await ok(A.viewer, `/api/v1/orgs/${A.org_id}/portfolio-health`);
      expect(p.rollups.agents_by_latest_decision).toEqual({ go: 1, no_go: 0, rollback: 1, none: 1 });
      const byId = new Map(p.agents.items.map((i: any) => [i.agent_id, i]));
      expect((byId.get(third.id) as any).latest_decision).toMatchObject({ id: go.id, decision: 'go' });
      expect((byId.get(agent.id) as any).latest_decision).toEqual(health.latest_decision);
      expect((byId.get(other.id) as any).latest_decision).toBeNull();
    });

    it('portfolio: org keys see their own org only; global keys any existing org', async () => {
      expectError(await get(B.viewer, `/api/v1/orgs/${A.org_id}/portfolio-health`), 404, 'NOT_FOUND');
      expectError(await get(A.admin, `/api/v1/orgs/${B.org_id}/portfolio-health`), 404, 'NOT_FOUND');
      expectError(await get(g.api_key, `/api/v1/orgs/${MISSING_UUID}/portfolio-health`), 404, 'NOT_FOUND');
      const asGlobal = await ok(g.api_key, `/api/v1/orgs/${A.org_id}/portfolio-health`);
      expect(asGlobal.rollups.agent_count).toBe(3);
      const own = await ok(B.viewer, `/api/v1/orgs/${B.org_id}/portfolio-health`);
      expect(own.agents.items.map((i: any) => i.agent_id)).toEqual([agentB.id]);
      expectValidation(await get(A.viewer, `/api/v1/orgs/not-a-uuid/portfolio-health`), ['org_id']);
    });
  });

  it('another org’s agent answers 404 on every view, an unknown one too', async () => {
    for (const view of ['activity', 'score-trend', 'health']) {
      expectError(await get(B.viewer, `/api/v1/agents/${agent.id}/${view}`), 404, 'NOT_FOUND');
      expectError(await get(A.viewer, `/api/v1/agents/${MISSING_UUID}/${view}`), 404, 'NOT_FOUND');
      expect((await get(A.viewer, `/api/v1/agents/${agentB.id}/${view}`)).status).toBe(404);
      expect((await get(g.api_key, `/api/v1/agents/${agentB.id}/${view}`)).status).toBe(200);
      expectValidation(await get(A.viewer, `/api/v1/agents/nope/${view}`), ['agent_id']);
    }
    expectError(await get(B.admin, '/api/v1/system/audit-logs', { agent_id: agent.id }), 404, 'NOT_FOUND');
  });

  describe('audit logs by agent', () => {
    /** Waits until the audit rows of `requestIds` are written (they are written in batches after the answer). */
    const settle = async (requestIds: string[]) => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM api_audit_logs WHERE request_id = ANY($1)`, [requestIds]);
        if (n >= requestIds.length || Date.now() > deadline) return;
        await sleep(50);
      }
    };

    it('lists only calls about the agent: its activity’s requests, its paths and its runs’ paths', async () => {
      const about = {
        create: freshRequestId('aud-create'),
        execute: freshRequestId('aud-exec'),
        pattern: freshRequestId('aud-pattern'),
        missing: freshRequestId('aud-404'),
      };
      const elsewhere = { create: freshRequestId('aud-other'), pattern: freshRequestId('aud-other-pattern') };
      const run = expectSuccess(await post(A.member, '/api/v1/eval/runs', { agent_id: agent.id, golden_set_id: setId }, about.create), 202);
      expectSuccess(await post(A.member, `/api/v1/eval/runs/${run.id}/execute`, {}, about.execute), 200);
      expectSuccess(await post(A.member, `/api/v1/agents/${agent.id}/patterns`, { title: uniqueName('Pattern') }, about.pattern), 201);
      const missing = await h.http
        .patch(`/api/v1/agents/${agent.id}/patterns/${MISSING_UUID}`)
        .set(bearer(A.member))
        .set('X-Request-Id', about.missing)
        .send({});
      expectError(missing, 404, 'NOT_FOUND');
      const otherSet = await uploadSet(other.id);
      expectSuccess(await post(A.member, '/api/v1/eval/runs', { agent_id: other.id, golden_set_id: otherSet }, elsewhere.create), 202);
      expectSuccess(await post(A.member, `/api/v1/agents/${other.id}/patterns`, { title: uniqueName('Pattern') }, elsewhere.pattern), 201);
      // another key reusing the agent's request id does not borrow the agent
      const borrowed = await post(A.admin, `/api/v1/agents/${other.id}/patterns`, { title: uniqueName('Pattern') }, about.create);
      expectSuccess(borrowed, 201);
      await settle([...Object.values(about), ...Object.values(elsewhere)]);

      const rows = (await ok(A.admin, '/api/v1/system/audit-logs', { agent_id: agent.id, limit: 200 })).items;
      const ids = rows.map((r: any) => r.request_id);
      for (const rid of Object.values(about)) expect(ids).toContain(rid);
      for (const rid of Object.values(elsewhere)) expect(ids).not.toContain(rid);
      expect(rows.filter((r: any) => r.request_id === about.create)).toHaveLength(1);
      expect(rows.every((r: any) => r.org_id === A.org_id)).toBe(true);
      const otherRows = (await ok(A.admin, '/api/v1/system/audit-logs', { agent_id: other.id, limit: 200 })).items.map((r: any) => r.request_id);
      expect(otherRows).toEqual(expect.arrayContaining(Object.values(elsewhere)));
      expect(otherRows).not.toContain(about.execute);
      // combined with the other filters, and for a global key naming the org
      const created = await ok(g.api_key, '/api/v1/system/audit-logs', { agent_id: agent.id, org_id: A.org_id, request_id: about.create });
      expect(created.items).toHaveLength(1);
      expect(created.items[0]).toMatchObject({ method: 'POST', path: '/api/v1/eval/runs', status_code: 202 });
      expectValidation(await get(A.admin, '/api/v1/system/audit-logs', { agent_id: 'x' }), ['agent_id']);
      expectError(await get(A.admin, '/api/v1/system/audit-logs', { agent_id: randomUUID() }), 404, 'NOT_FOUND');
    });
  });
});
