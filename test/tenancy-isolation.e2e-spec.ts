// Tenancy isolation: an org's keys never see or touch another org's orgs, agents, eval profiles or audit
// rows; another org's item answers exactly like a missing one, and global admin keys see every org.
import { DataSource } from 'typeorm';
import { ROLE_ORDER, startTwoOrgs } from './support/auth-orgs';
import { agentBody, createAgent, expectError, expectSuccess, MISSING_UUID, UUID_RE, waitForAudit } from './support/e2e-helpers';
import { ApiHarness, bearer, OrgKeys, uniqueName } from './support/harness';

describe('tenancy isolation', () => {
  let h: ApiHarness;
  let g: { org_id: string; api_key: string };
  let A: OrgKeys;
  let B: OrgKeys;
  let agentA: any;
  let agentB: any;
  let profileB: string;

  beforeAll(async () => {
    ({ h, g, A, B } = await startTwoOrgs());
    [agentA, agentB] = await Promise.all([createAgent(h, A.member), createAgent(h, B.member)]);
    // An org-owned eval profile of org B, with exactly the dimensions of built-in profile 1.
    const rows: { id: string }[] = await h.app.get(DataSource).query(
      `INSERT INTO eval_profiles (org_id, name, agent_type, description, dimensions, scoring_scale, issue_tags, is_builtin)
       SELECT $1, $2, agent_type, description, dimensions, scoring_scale, issue_tags, false
       FROM eval_profiles WHERE id = '00000000-0000-4000-8000-000000000001'
       RETURNING id`,
      [B.org_id, uniqueName('Org B profile')],
    );
    profileB = rows[0].id;
  });
  afterAll(() => h?.close());

  describe('orgs', () => {
    it('create and list are for global admin keys only', async () => {
      const name = uniqueName('Created Org');
      const org = expectSuccess(await h.http.post('/api/v1/orgs').set(bearer(g.api_key)).send({ name }), 201);
      expect(org).toMatchObject({ name });
      expect(org.id).toMatch(UUID_RE);
      const list = expectSuccess(await h.http.get('/api/v1/orgs').query({ limit: 200 }).set(bearer(g.api_key)), 200);
      expect(list.items.map((o: any) => o.id)).toEqual(expect.arrayContaining([org.id, A.org_id, B.org_id]));

      const forbidden = expectError(
        await h.http
          .post('/api/v1/orgs')
          .set(bearer(A.admin))
          .send({ name: uniqueName('Org') }),
        403,
        'FORBIDDEN',
      );
      expect(forbidden.message).toMatch(/global/);
      expectError(await h.http.get('/api/v1/orgs').set(bearer(A.admin)), 403, 'FORBIDDEN');
    });

    it('a duplicate org name (any case) answers 409 ORG_NAME_TAKEN', async () => {
      const name = uniqueName('Dup Org');
      expectSuccess(await h.http.post('/api/v1/orgs').set(bearer(g.api_key)).send({ name }), 201);
      expectError(await h.http.post('/api/v1/orgs').set(bearer(g.api_key)).send({ name: name.toUpperCase() }), 409, 'ORG_NAME_TAKEN');
    });

    it('org keys read their own org; another org answers 404 exactly like a missing one', async () => {
      for (const role of ROLE_ORDER) {
        expect(expectSuccess(await h.http.get(`/api/v1/orgs/${A.org_id}`).set(bearer(A[role])), 200).id).toBe(A.org_id);
        const other = expectError(await h.http.get(`/api/v1/orgs/${B.org_id}`).set(bearer(A[role])), 404, 'NOT_FOUND');
        const missing = expectError(await h.http.get(`/api/v1/orgs/${MISSING_UUID}`).set(bearer(A[role])), 404, 'NOT_FOUND');
        expect(other.message).toBe(missing.message);
      }
      expect(expectSuccess(await h.http.get(`/api/v1/orgs/${B.org_id}`).set(bearer(g.api_key)), 200).id).toBe(B.org_id);
      expectError(await h.http.get(`/api/v1/orgs/${MISSING_UUID}`).set(bearer(g.api_key)), 404, 'NOT_FOUND');
    });
  });

  describe('agents and eval profiles across orgs', () => {
    it("org keys never see another org's agent: get and latest answer 404", async () => {
      for (const role of ROLE_ORDER) {
        expectError(await h.http.get(`/api/v1/agents/${agentB.id}`).set(bearer(A[role])), 404, 'NOT_FOUND');
        expectError(await h.http.get(`/api/v1/agents/${agentB.id}/latest`).set(bearer(A[role])), 404, 'NOT_FOUND');
      }
      expect(expectSuccess(await h.http.get(`/api/v1/agents/${agentB.id}`).set(bearer(B.viewer)), 200).id).toBe(agentB.id);
      expect(expectSuccess(await h.http.get(`/api/v1/agents/${agentB.id}`).set(bearer(g.api_key)), 200).id).toBe(agentB.id);
      expectError(await h.http.get(`/api/v1/agents/${MISSING_UUID}`).set(bearer(g.api_key)), 404, 'NOT_FOUND');
    });

    it("lists are scoped to the caller's org, even when another org_id is asked for", async () => {
      const own = expectSuccess(await h.http.get('/api/v1/agents').query({ limit: 200 }).set(bearer(A.viewer)), 200);
      expect(own.items.map((a: any) => a.id)).toContain(agentA.id);
      expect(own.items.every((a: any) => a.org_id === A.org_id)).toBe(true);

      const res = await h.http.get('/api/v1/agents').query({ org_id: B.org_id }).set(bearer(A.viewer));
      if (res.status === 200) {
        expect(res.body.data.items.filter((a: any) => a.org_id !== A.org_id)).toEqual([]);
        expect(res.body.data.items.map((a: any) => a.id)).not.toContain(agentB.id);
      } else {
        expectError(res, 404, 'NOT_FOUND');
      }

      const globalAll = expectSuccess(await h.http.get('/api/v1/agents').query({ limit: 200 }).set(bearer(g.api_key)), 200);
      expect(globalAll.items.map((a: any) => a.id)).toEqual(expect.arrayContaining([agentA.id, agentB.id]));
      const globalB = expectSuccess(await h.http.get('/api/v1/agents').query({ org_id: B.org_id, limit: 200 }).set(bearer(g.api_key)), 200);
      expect(globalB.items.map((a: any) => a.id)).toContain(agentB.id);
      expect(globalB.items.every((a: any) => a.org_id === B.org_id)).toBe(true);
    });

    it('an org member cannot create an agent in another org (404) and nothing is created there', async () => {
      const before = expectSuccess(await h.http.get('/api/v1/agents').query({ org_id: B.org_id }).set(bearer(g.api_key)), 200).total;
      expectError(
        await h.http
          .post('/api/v1/agents')
          .set(bearer(A.member))
          .send(agentBody({ org_id: B.org_id })),
        404,
        'NOT_FOUND',
      );
      expectError(
        await h.http
          .post('/api/v1/agents')
          .set(bearer(A.admin))
          .send(agentBody({ org_id: B.org_id })),
        404,
        'NOT_FOUND',
      );
      const after = expectSuccess(await h.http.get('/api/v1/agents').query({ org_id: B.org_id }).set(bearer(g.api_key)), 200).total;
      expect(after).toBe(before);
    });

    it("an org's own eval profile is invisible to other orgs; built-ins are visible to all", async () => {
      expectError(await h.http.get(`/api/v1/eval/profiles/${profileB}`).set(bearer(A.viewer)), 404, 'NOT_FOUND');
      const mine = expectSuccess(await h.http.get(`/api/v1/eval/profiles/${profileB}`).set(bearer(B.viewer)), 200);
      expect(mine).toMatchObject({ id: profileB, org_id: B.org_id, is_builtin: false });

      // org A sees the built-ins and its own (if any), never org B's
      const listA = expectSuccess(await h.http.get('/api/v1/eval/profiles').query({ limit: 200 }).set(bearer(A.viewer)), 200);
      expect(listA.items.filter((p: any) => p.is_builtin && p.org_id === null)).toHaveLength(5);
      expect(listA.items.every((p: any) => p.is_builtin || p.org_id === A.org_id)).toBe(true);
      expect(listA.items.map((p: any) => p.id)).not.toContain(profileB);
      const listB = expectSuccess(await h.http.get('/api/v1/eval/profiles').set(bearer(B.viewer)), 200);
      expect(listB.total).toBe(6);
      expect(listB.items.map((p: any) => p.id)).toContain(profileB);
      const ownOnly = expectSuccess(await h.http.get('/api/v1/eval/profiles').query({ is_builtin: 'false' }).set(bearer(B.viewer)), 200);
      expect(ownOnly.items.map((p: any) => p.id)).toEqual([profileB]);
    });

    it("an agent may use a built-in or its own org's profile, never another org's", async () => {
      const err = expectError(
        await h.http
          .post('/api/v1/agents')
          .set(bearer(A.member))
          .send(agentBody({ eval_profile_id: profileB })),
        400,
        'EVAL_PROFILE_NOT_FOUND',
      );
      expect(err.details).toEqual({ eval_profile_id: profileB });
      const ok = await createAgent(h, B.member, { eval_profile_id: profileB });
      expect(ok.eval_profile_id).toBe(profileB);
      const builtin = await createAgent(h, A.member, { eval_profile_id: '00000000-0000-4000-8000-000000000005' });
      expect(builtin.eval_profile_id).toBe('00000000-0000-4000-8000-000000000005');
    });
  });

  describe('audit logs across orgs', () => {
    it('an org admin sees only its own org rows; a global admin sees them all', async () => {
      const rid = `tenancy-audit-${Date.now()}`;
      expectSuccess(await h.http.post('/api/v1/agents').set(bearer(B.member)).set('X-Request-Id', rid).send(agentBody()), 201);
      const rows = await waitForAudit(h, g.api_key, rid);
      expect(rows).toHaveLength(1);
      expect(rows[0].org_id).toBe(B.org_id);

      const asA = expectSuccess(await h.http.get('/api/v1/system/audit-logs').query({ request_id: rid }).set(bearer(A.admin)), 200);
      expect(asA.items).toEqual([]);
      const asAOrgB = await h.http.get('/api/v1/system/audit-logs').query({ org_id: B.org_id, limit: 200 }).set(bearer(A.admin));
      expectError(asAOrgB, 404, 'NOT_FOUND');
      const asB = expectSuccess(await h.http.get('/api/v1/system/audit-logs').query({ request_id: rid }).set(bearer(B.admin)), 200);
      expect(asB.items.map((r: any) => r.request_id)).toEqual([rid]);

      const allA = expectSuccess(await h.http.get('/api/v1/system/audit-logs').query({ limit: 200 }).set(bearer(A.admin)), 200);
      expect(allA.items.length).toBeGreaterThan(0);
      expect(allA.items.every((r: any) => r.org_id === A.org_id)).toBe(true);
    });
  });
});
