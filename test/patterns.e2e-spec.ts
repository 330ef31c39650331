import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PatternsService } from '@greenlight/governance';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';
import { createAgent, expectError, expectSuccess, expectValidation, MISSING_UUID, UUID_RE } from './support/e2e-helpers';

const PATTERN_FIELDS = [
  'agent_id',
  'created_at',
  'description',
  'id',
  'linked_case_ids',
  'metadata',
  'org_id',
  'owner',
  'priority',
  'primary_tag',
  'resolved_date',
  'root_cause',
  'status',
  'suggested_fix',
  'tags',
  'title',
  'updated_at',
  'verification',
].sort();

describe('issue patterns', () => {
  let h: ApiHarness;
  let db: DataSource;
  let g: { org_id: string; api_key: string };
  let A: OrgKeys;
  let B: OrgKeys;
  let agentA: any;
  let agentB: any;

  const base = (agentId: string) => `/api/v1/agents/${agentId}/patterns`;
  const create = async (key: string, body: Record<string, unknown> = {}, agentId = agentA.id) =>
    expectSuccess(
      await h.http
        .post(base(agentId))
        .set(bearer(key))
        .send({ title: uniqueName('Pattern'), ...body }),
      201,
    );
  const patch = (key: string, id: string, body: Record<string, unknown>, agentId = agentA.id) =>
    h.http
      .patch(`${base(agentId)}/${id}`)
      .set(bearer(key))
      .send(body);
  const history = async (id: string, agentId = agentA.id) => expectSuccess(await h.http.get(`${base(agentId)}/${id}/history`).set(bearer(A.viewer)), 200);
  const outboxRows = (patternId: string): Promise<{ event_type: string; data: any }[]> =>
    db.query(`SELECT event_type, data FROM notification_outbox WHERE data->>'pattern_id' = $1 ORDER BY created_at, id`, [patternId]);

  beforeAll(async () => {
    h = await startApi({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    db = h.app.get(DataSource);
    g = await globalAdmin(h.config);
    [A, B] = await Promise.all([orgWithKeys(h, g.api_key), orgWithKeys(h, g.api_key)]);
    [agentA, agentB] = await Promise.all([createAgent(h, A.member), createAgent(h, B.member)]);
    // Org A has one endpoint for pattern events: each status change queues exactly one delivery.
    expectSuccess(
      await h.http
        .post('/api/v1/webhooks/endpoints')
        .set(bearer(A.admin))
        .send({ url: 'http://127.0.0.1:9/patterns', event_types: ['pattern_status_changed'] }),
      201,
    );
  });
  afterAll(() => h.close());

  describe('create', () => {
    it('a member opens a pattern in the agent org with defaults; its history starts open', async () => {
      const p = await create(A.member);
      expect(Object.keys(p).sort()).toEqual(PATTERN_FIELDS);
      expect(p).toMatchObject({
        org_id: A.org_id,
        agent_id: agentA.id,
        status: 'open',
        priority: 'medium',
        description: '',
        tags: [],
        linked_case_ids: [],
        primary_tag: null,
        verification: null,
        metadata: {},
        resolved_date: null,
      });
      expect(p.id).toMatch(UUID_RE);
      const hist = await history(p.id);
      expect(hist.status_history).toEqual([{ from: null, to: 'open', at: expect.any(String), by_key_id: expect.any(String), note: null, forced: false }]);
    });

    it('every field round-trips; a global key creates in the agent org', async () => {
      const caseId = randomUUID();
      const body = {
        title: uniqueName('Stale citations'),
        description: 'answers cite retired docs',
        priority: 'critical',
        owner: 'search-team@example.com',
        root_cause: 'index not refreshed',
        suggested_fix: 'reindex nightly',
        tags: ['citations', 'retrieval'],
        primary_tag: 'manual',
        linked_case_ids: [caseId],
        metadata: { ticket: 'SUP-1' },
      };
      const p = await create(g.api_key, body);
      expect(p).toMatchObject({ ...body, org_id: A.org_id });
    });

    it('validates: blank title, non-uuid linked case ids, unknown priority', async () => {
      expectValidation(await h.http.post(base(agentA.id)).set(bearer(A.member)).send({ title: '  ' }), ['title']);
      expectValidation(
        await h.http
          .post(base(agentA.id))
          .set(bearer(A.member))
          .send({ title: 't', linked_case_ids: ['case-1'] }),
        ['linked_case_ids'],
      );
      expectValidation(await h.http.post(base(agentA.id)).set(bearer(A.member)).send({ title: 't', priority: 'urgent' }), ['priority']);
    });

    it('a viewer cannot write (403); another org agent or a missing one is 404', async () => {
      expectError(await h.http.post(base(agentA.id)).set(bearer(A.viewer)).send({ title: 'x' }), 403, 'FORBIDDEN');
      expectError(await h.http.post(base(agentB.id)).set(bearer(A.member)).send({ title: 'x' }), 404, 'NOT_FOUND');
      expectError(await h.http.post(base(MISSING_UUID)).set(bearer(A.member)).send({ title: 'x' }), 404, 'NOT_FOUND');
    });
  });

  describe('list', () => {
    it('filters by status, priority, primary tag and tag; pages newest first', async () => {
      const agent = await createAgent(h, A.member);
      const p1 = await create(A.member, { priority: 'high', tags: ['x'], primary_tag: 'drift' }, agent.id);
      const p2 = await create(A.member, { priority: 'low', tags: ['x', 'y'] }, agent.id);
      const p3 = await create(A.member, { priority: 'high' }, agent.id);
      expectSuccess(await patch(A.member, p3.id, { status: 'in_progress' }, agent.id), 200);
      const list = async (query: Record<string, unknown>) =>
        expectSuccess(await h.http.get(base(agent.id)).query(query).set(bearer(A.viewer)), 200) as {
          items: any[];
          total: number;
          limit: number;
          offset: number;
        };
      const ids = (page: { items: any[] }) => page.items.map((p) => p.id);

      expect(ids(await list({}))).toEqual([p3.id, p2.id, p1.id]);
      expect(ids(await list({ priority: 'high' }))).toEqual([p3.id, p1.id]);
      expect(ids(await list({ tag: 'x' }))).toEqual([p2.id, p1.id]);
      expect(ids(await list({ primary_tag: 'drift' }))).toEqual([p1.id]);
      expect(ids(await list({ status: 'in_progress' }))).toEqual([p3.id]);
      const page = await list({ limit: 2, offset: 1 });
      expect(page).toMatchObject({ total: 3, limit: 2, offset: 1 });
      expect(ids(page)).toEqual([p2.id, p1.id]);
      expectValidation(await h.http.get(base(agent.id)).query({ status: 'done' }).set(bearer(A.viewer)), ['status']);
      expectError(await h.http.get(base(agent.id)).set(bearer(B.viewer)), 404, 'NOT_FOUND');
    });
  });

  describe('lifecycle', () => {
    it('open → in_progress → fixed → verifying → resolved: history, resolved date, one event per move', async () => {
      const p = await create(A.member);
      const moves = ['in_progress', 'fixed', 'verifying', 'resolved'];
      for (const status of moves) {
        const res = expectSuccess(await patch(A.member, p.id, { status, status_note: `to ${status}` }), 200);
        expect(res.pattern.status).toBe(status);
        expect(res.notification).toEqual({ event: 'pattern_status_changed', queued: 1 });
      }
      const hist = await history(p.id);
      expect(hist.status).toBe('resolved');
      expect(hist.resolved_date).toEqual(hist.status_history[4].at);
      expect(hist.status_history.map((e: any) => [e.from, e.to, e.note, e.forced])).toEqual([
        [null, 'open', null, false],
        ['open', 'in_progress', 'to in_progress', false],
        ['in_progress', 'fixed', 'to fixed', false],
        ['fixed', 'verifying', 'to verifying', false],
        ['verifying', 'resolved', 'to resolved', false],
      ]);

      const rows = await outboxRows(p.id);
      expect(rows.map((r) => [r.event_type, r.data.from, r.data.to])).toEqual([
        ['pattern_status_changed', 'open', 'in_progress'],
        ['pattern_status_changed', 'in_progress', 'fixed'],
        ['pattern_status_changed', 'fixed', 'verifying'],
        ['pattern_status_changed', 'verifying', 'resolved'],
      ]);
      const activity = await db.query(
        `SELECT count(*)::int AS n FROM activity_events WHERE event_type = 'pattern_status_changed' AND metadata->>'pattern_id' = $1`,
        [p.id],
      );
      expect(activity[0].n).toBe(4);

      // Reopening clears the resolved date.
      const reopened = expectSuccess(await patch(A.member, p.id, { status: 'open' }), 200);
      expect(reopened.pattern).toMatchObject({ status: 'open', resolved_date: null });
    });

    it('the same status changes nothing: no history entry, no event; other fields still update', async () => {
      const p = await create(A.member);
      const caseId = randomUUID();
      const res = expectSuccess(
        await patch(A.member, p.id, { status: 'open', priority: 'high', owner: 'ops', tags: ['t'], linked_case_ids: [caseId], verification: { by: 'qa' } }),
        200,
      );
      expect(res.notification).toBeNull();
      expect(res.pattern).toMatchObject({ status: 'open', priority: 'high', owner: 'ops', tags: ['t'], linked_case_ids: [caseId], verification: { by: 'qa' } });
      expect((await history(p.id)).status_history).toHaveLength(1);
      expect(await outboxRows(p.id)).toEqual([]);
    });

    it('a move outside the matrix is 409 PATTERN_INVALID_TRANSITION with from, to and allowed; nothing changes', async () => {
      const p = await create(A.member);
      const err = expectError(await patch(A.member, p.id, { status: 'resolved', priority: 'low' }), 409, 'PATTERN_INVALID_TRANSITION');
      expect(err.details).toEqual({ from: 'open', to: 'resolved', allowed: ['in_progress', 'fixed', 'verifying'] });
      const hist = await history(p.id);
      expect(hist).toMatchObject({ status: 'open', priority: 'medium' });
      expect(hist.status_history).toHaveLength(1);
    });

    it('force: an org admin (or member) gets 403; a global admin may make any move, marked forced', async () => {
      const p = await create(A.member);
      expectError(await patch(A.admin, p.id, { status: 'resolved', force: true }), 403, 'FORBIDDEN');
      expectError(await patch(A.member, p.id, { status: 'in_progress', force: true }), 403, 'FORBIDDEN');
      const res = expectSuccess(await patch(g.api_key, p.id, { status: 'resolved', force: true, status_note: 'duplicate' }), 200);
      expect(res.pattern.status).toBe('resolved');
      expect(res.notification).toEqual({ event: 'pattern_status_changed', queued: 1 });
      const last = (await history(p.id)).status_history.at(-1);
      expect(last).toMatchObject({ from: 'open', to: 'resolved', forced: true, note: 'duplicate' });
    });

    it('resolved_date: kept when given on resolve, refused for a pattern that is not resolved', async () => {
      const p = await create(A.member);
      expectValidation(await patch(A.member, p.id, { resolved_date: '2026-01-01T00:00:00.000Z' }), ['resolved_date']);
      expectValidation(await patch(A.member, p.id, { resolved_date: 'yesterday' }), ['resolved_date']);
      expectSuccess(await patch(A.member, p.id, { status: 'verifying' }), 200);
      const res = expectSuccess(await patch(A.member, p.id, { status: 'resolved', resolved_date: '2026-01-01T00:00:00.000Z' }), 200);
      expect(res.pattern.resolved_date).toBe('2026-01-01T00:00:00.000Z');
    });

    it('an Idempotency-Key replays the answer without a second move', async () => {
      const p = await create(A.member);
      const key = randomUUID();
      const first = await patch(A.member, p.id, { status: 'in_progress' }).set('Idempotency-Key', key);
      const again = await patch(A.member, p.id, { status: 'in_progress' }).set('Idempotency-Key', key);
      expect(again.body.data).toEqual(expectSuccess(first, 200));
      expect(again.headers['idempotency-replayed']).toBe('true');
      expect((await history(p.id)).status_history).toHaveLength(2);
    });

    it('roles and tenancy: viewer cannot patch; another org, another agent or a missing pattern is 404', async () => {
      const p = await create(A.member);
      expectError(await patch(A.viewer, p.id, { priority: 'low' }), 403, 'FORBIDDEN');
      expectError(await patch(B.member, p.id, { priority: 'low' }), 404, 'NOT_FOUND');
      expectError(await h.http.get(`${base(agentA.id)}/${p.id}/history`).set(bearer(B.viewer)), 404, 'NOT_FOUND');
      const otherAgent = await createAgent(h, A.member);
      expectError(await patch(A.member, p.id, { priority: 'low' }, otherAgent.id), 404, 'NOT_FOUND');
      expectError(await h.http.get(`${base(otherAgent.id)}/${p.id}/history`).set(bearer(A.viewer)), 404, 'NOT_FOUND');
      expectError(await patch(A.member, MISSING_UUID, { priority: 'low' }), 404, 'NOT_FOUND');
      expectValidation(await patch(A.member, p.id, { linked_case_ids: ['nope'] }), ['linked_case_ids']);
    });
  });

  describe('patterns raised and settled by compares', () => {
    it('a regressed pair reuses its open pattern; a clean compare against the same baseline moves it to verifying', async () => {
      const service = h.app.get(PatternsService);
      const agent = await createAgent(h, A.member);
      const pair = { org_id: A.org_id, agent_id: agent.id, baseline_run_id: randomUUID(), candidate_run_id: randomUUID(), actor_key_id: null };
      const [c1, c2] = [randomUUID(), randomUUID()];
      const first = await db.transaction((m) => service.findOrCreateRegressionPattern(m, { ...pair, regressed_case_ids: [c1], deltas: { pass_rate: -0.1 } }));
      expect(first.created).toBe(true);
      expect(first.pattern).toMatchObject({ status: 'open', priority: 'high', primary_tag: 'regression_compare', linked_case_ids: [c1] });
      const again = await db.transaction((m) => service.findOrCreateRegressionPattern(m, { ...pair, regressed_case_ids: [c2], deltas: { pass_rate: -0.2 } }));
      expect(again.created).toBe(false);
      expect(again.pattern.id).toBe(first.pattern.id);
      expect(again.pattern.linked_case_ids).toEqual([c1, c2]);
      expect(again.pattern.metadata).toMatchObject({ deltas: { pass_rate: -0.2 } });

      const compareId = randomUUID();
      const fixedCandidate = randomUUID();
      const result = await db.transaction((m) => service.verifyRemediation(m, { ...pair, candidate_run_id: fixedCandidate, compare_id: compareId }));
      expect(result).toEqual({ auto_closed: 1, updated_patterns: [first.pattern.id] });
      const hist = await history(first.pattern.id, agent.id);
      expect(hist.status).toBe('verifying');
      expect(hist.status_history.at(-1)).toMatchObject({ from: 'open', to: 'verifying', forced: false });
      const events: { event_type: string }[] = await db.query(
        `SELECT event_type FROM notification_outbox WHERE data->>'pattern_id' = $1 OR data->>'compare_id' = $2 ORDER BY created_at`,
        [first.pattern.id, compareId],
      );
      // Org A's endpoint subscribes to pattern events only; remediation_verified is in the activity log.
      expect(events.map((e) => e.event_type)).toEqual(['pattern_status_changed']);
      const activity = await db.query(
        `SELECT count(*)::int AS n FROM activity_events WHERE event_type = 'remediation_verified' AND metadata->>'compare_id' = $1`,
        [compareId],
      );
      expect(activity[0].n).toBe(1);

      // Nothing left to move: a second clean compare settles nothing and emits nothing.
      expect(await db.transaction((m) => service.verifyRemediation(m, { ...pair, compare_id: null }))).toEqual({ auto_closed: 0, updated_patterns: [] });
    });
  });
});
