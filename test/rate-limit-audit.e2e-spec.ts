import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';
import { agentBody, createKey, expectError, expectSuccess, freshRequestId, keyIdOf, waitForAudit } from './support/e2e-helpers';

const AUDIT_FIELDS = ['api_key_id', 'created_at', 'error_code', 'id', 'latency_ms', 'method', 'org_id', 'path', 'request_id', 'status_code'].sort();

describe('rate limits and the audit log', () => {
  let h: ApiHarness;
  let g: { org_id: string; api_key: string };
  let O: OrgKeys;
  const ids: Partial<Record<'admin' | 'member' | 'viewer', string>> = {};

  beforeAll(async () => {
    h = await startApi();
    g = await globalAdmin(h.config);
    O = await orgWithKeys(h, g.api_key);
    for (const role of ['admin', 'member', 'viewer'] as const) ids[role] = await keyIdOf(h, g.api_key, O[role], O.org_id);
  });
  afterAll(() => h.close());

  describe('rate limit', () => {
    it("a key's own limit of 3 per minute answers 429 RATE_LIMITED with Retry-After on the 4th request", async () => {
      const k = await createKey(h, O.admin, { role: 'member', rate_limit_per_minute: 3 });
      expect(k.rate_limit_per_minute).toBe(3);
      const agentsBefore = expectSuccess(await h.http.get('/api/v1/agents').set(bearer(O.viewer)), 200).total;

      // The key's minute starts with its first request, whenever in the clock minute that is.
      const resets: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await h.http.get('/api/v1/agents').set(bearer(k.api_key));
        expectSuccess(res, 200);
        expect(res.headers['ratelimit-limit']).toBe('3');
        expect(res.headers['ratelimit-remaining']).toBe(String(2 - i));
        resets.push(Number(res.headers['ratelimit-reset']));
      }
      expect(resets[0]).toBeGreaterThanOrEqual(58);
      expect(resets[0]).toBeLessThanOrEqual(60);
      expect(resets[2]).toBeLessThanOrEqual(resets[0]);
      const rid = freshRequestId('rate-limited');
      const limited = await h.http.post('/api/v1/agents').set(bearer(k.api_key)).set('X-Request-Id', rid).send(agentBody());
      const err = expectError(limited, 429, 'RATE_LIMITED');
      const retryAfter = Number(limited.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(resets[2]);
      expect(Number(limited.headers['ratelimit-reset'])).toBe(retryAfter);
      expect(err.details).toMatchObject({ limit: 3, window_seconds: 60, retry_after_seconds: retryAfter });
      expect(limited.headers['ratelimit-remaining']).toBe('0');

      // Still limited, on every endpoint, and the refused create did not happen.
      expectError(await h.http.get('/api/v1/eval/profiles').set(bearer(k.api_key)), 429, 'RATE_LIMITED');
      expect(expectSuccess(await h.http.get('/api/v1/agents').set(bearer(O.viewer)), 200).total).toBe(agentsBefore);

      // The 429 is audited against the key.
      const [row] = await waitForAudit(h, g.api_key, rid);
      expect(row).toMatchObject({ api_key_id: k.id, org_id: O.org_id, status_code: 429, error_code: 'RATE_LIMITED', method: 'POST' });
    });

    it('limits are per key: another key of the same org is unaffected', async () => {
      const a = await createKey(h, O.admin, { role: 'viewer', rate_limit_per_minute: 1 });
      const b = await createKey(h, O.admin, { role: 'viewer', rate_limit_per_minute: 1 });
      expectSuccess(await h.http.get('/api/v1/agents').set(bearer(a.api_key)), 200);
      expectError(await h.http.get('/api/v1/agents').set(bearer(a.api_key)), 429, 'RATE_LIMITED');
      expectSuccess(await h.http.get('/api/v1/agents').set(bearer(b.api_key)), 200);
    });

    it('API_RATE_LIMIT_PER_MINUTE is the default; a key limit overrides it upwards too', async () => {
      const h2 = await startApi({ API_RATE_LIMIT_PER_MINUTE: '2' });
      try {
        // Keys are made through the first app: under a default of 2 the global key itself is limited in h2.
        const plain = await createKey(h, g.api_key, { role: 'viewer', org_id: O.org_id });
        const generous = await createKey(h, g.api_key, { role: 'viewer', org_id: O.org_id, rate_limit_per_minute: 4 });
        for (let i = 0; i < 2; i++) expectSuccess(await h2.http.get('/api/v1/agents').set(bearer(plain.api_key)), 200);
        const res = await h2.http.get('/api/v1/agents').set(bearer(plain.api_key));
        expectError(res, 429, 'RATE_LIMITED');
        expect(res.headers['ratelimit-limit']).toBe('2');
        for (let i = 0; i < 4; i++) expectSuccess(await h2.http.get('/api/v1/agents').set(bearer(generous.api_key)), 200);
        expectError(await h2.http.get('/api/v1/agents').set(bearer(generous.api_key)), 429, 'RATE_LIMITED');
        // Public routes are not limited.
        for (let i = 0; i < 3; i++) expectSuccess(await h2.http.get('/health'), 200);
      } finally {
        await h2.close();
      }
    });
  });

  describe('audit log', () => {
    it('a successful mutating call writes one row with every field', async () => {
      const rid = freshRequestId('audit-ok');
      const agent = expectSuccess(await h.http.post('/api/v1/agents').set(bearer(O.member)).set('X-Request-Id', rid).send(agentBody()), 201);
      expect(agent.id).toMatch(/^[0-9a-f-]{36}$/);
      const rows = await waitForAudit(h, g.api_key, rid);
      expect(rows).toHaveLength(1);
      const row = rows[0];
      expect(Object.keys(row).sort()).toEqual(AUDIT_FIELDS);
      expect(row).toMatchObject({
        request_id: rid,
        api_key_id: ids.member,
        org_id: O.org_id,
        method: 'POST',
        path: '/api/v1/agents',
        status_code: 201,
        error_code: null,
      });
      expect(Number.isInteger(row.latency_ms)).toBe(true);
      expect(row.latency_ms).toBeGreaterThanOrEqual(0);
      expect(row.latency_ms).toBeLessThan(10_000);
      expect(typeof row.id).toBe('string');
      expect(Date.now() - new Date(row.created_at).getTime()).toBeLessThan(60_000);
      // The org's own admin sees it too.
      const asAdmin = expectSuccess(await h.http.get('/api/v1/system/audit-logs').query({ request_id: rid }).set(bearer(O.admin)), 200);
      expect(asAdmin.items).toEqual(rows);
    });

    const failures: {
      label: string;
      send: (rid: string) => Promise<{ status: number }>;
      status: number;
      code: string;
      /** undefined: not asserted (the call was refused before its key was read). */
      key: () => string | null | undefined;
      org: () => string | null | undefined;
      path: string;
    }[] = [
      {
        label: '401 without a key',
        send: (rid) => h.http.post('/api/v1/agents').set('X-Request-Id', rid).send(agentBody()),
        status: 401,
        code: 'UNAUTHORIZED',
        key: () => null,
        org: () => null,
        path: '/api/v1/agents',
      },
      {
        label: '401 with an unknown key',
        send: (rid) =>
          h.http
            .post('/api/v1/system/api-keys')
            .set('X-Request-Id', rid)
            .set(bearer(`gl_00000000_${'B'.repeat(43)}`))
            .send({}),
        status: 401,
        code: 'UNAUTHORIZED',
        key: () => null,
        org: () => null,
        path: '/api/v1/system/api-keys',
      },
      {
        label: '403 for a viewer',
        send: (rid) => h.http.post('/api/v1/agents').set('X-Request-Id', rid).set(bearer(O.viewer)).send(agentBody()),
        status: 403,
        code: 'FORBIDDEN',
        key: () => ids.viewer!,
        org: () => O.org_id,
        path: '/api/v1/agents',
      },
      {
        label: '403 for an org admin creating an org',
        send: (rid) =>
          h.http
            .post('/api/v1/orgs')
            .set('X-Request-Id', rid)
            .set(bearer(O.admin))
            .send({ name: uniqueName('x') }),
        status: 403,
        code: 'FORBIDDEN',
        key: () => ids.admin!,
        org: () => O.org_id,
        path: '/api/v1/orgs',
      },
      {
        label: '400 validation',
        send: (rid) => h.http.post('/api/v1/agents').set('X-Request-Id', rid).set(bearer(O.member)).send({ name: 1 }),
        status: 400,
        code: 'VALIDATION_ERROR',
        key: () => ids.member!,
        org: () => O.org_id,
        path: '/api/v1/agents',
      },
      {
        label: '400 malformed JSON',
        send: (rid) => h.http.post('/api/v1/agents').set('X-Request-Id', rid).set(bearer(O.member)).set('Content-Type', 'application/json').send('{"a":'),
        status: 400,
        code: 'VALIDATION_ERROR',
        key: () => undefined, // refused before authentication
        org: () => undefined,
        path: '/api/v1/agents',
      },
      {
        label: '413 too large',
        send: (rid) =>
          h.http
            .post('/api/v1/agents')
            .set('X-Request-Id', rid)
            .set(bearer(O.member))
            .send(agentBody({ description: 'x'.repeat(1024 * 1024 + 10) })),
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
        key: () => undefined, // refused before authentication
        org: () => undefined,
        path: '/api/v1/agents',
      },
      {
        label: '415 wrong media type',
        send: (rid) => h.http.post('/api/v1/agents').set('X-Request-Id', rid).set(bearer(O.member)).set('Content-Type', 'text/plain').send('hi'),
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        key: () => undefined, // refused before authentication
        org: () => undefined,
        path: '/api/v1/agents',
      },
      {
        label: '404 unknown route',
        send: (rid) => h.http.post('/api/v1/nothing-here').set('X-Request-Id', rid).set(bearer(O.member)).send({}),
        status: 404,
        code: 'NOT_FOUND',
        key: () => undefined, // refused before authentication
        org: () => undefined,
        path: '/api/v1/nothing-here',
      },
      {
        label: '404 another org',
        send: (rid) => h.http.post(`/api/v1/system/api-keys/00000000-0000-4000-8000-00000000dead/revoke`).set('X-Request-Id', rid).set(bearer(O.admin)),
        status: 404,
        code: 'NOT_FOUND',
        key: () => ids.admin!,
        org: () => O.org_id,
        path: '/api/v1/system/api-keys/00000000-0000-4000-8000-00000000dead/revoke',
      },
      {
        label: '400 scope/role',
        send: (rid) => h.http.post('/api/v1/system/api-keys').set('X-Request-Id', rid).set(bearer(g.api_key)).send({ name: 'x', role: 'viewer', org_id: null }),
        status: 400,
        code: 'API_KEY_SCOPE_ROLE_INVALID',
        key: () => null, // filled in the test: the global key's id
        org: () => null,
        path: '/api/v1/system/api-keys',
      },
    ];

    it.each(failures.map((f) => [f.label, f] as const))('a failed call is audited too: %s', async (_label, f) => {
      const rid = freshRequestId('audit-fail');
      const res = await f.send(rid);
      expect(res.status).toBe(f.status);
      const rows = await waitForAudit(h, g.api_key, rid);
      expect(rows).toHaveLength(1);
      const expectedKey = f.code === 'API_KEY_SCOPE_ROLE_INVALID' ? await keyIdOf(h, g.api_key, g.api_key) : f.key();
      expect(rows[0]).toMatchObject({ request_id: rid, method: 'POST', path: f.path, status_code: f.status, error_code: f.code });
      if (expectedKey !== undefined) expect(rows[0].api_key_id).toBe(expectedKey);
      if (f.org() !== undefined) expect(rows[0].org_id).toBe(f.org());
    });

    it('the path is recorded without its query string; legacy calls are audited too', async () => {
      const rid = freshRequestId('audit-query');
      expectSuccess(await h.http.post('/api/v1/agents?source=e2e&x=1').set(bearer(O.member)).set('X-Request-Id', rid).send(agentBody()), 201);
      expect((await waitForAudit(h, g.api_key, rid))[0]).toMatchObject({ path: '/api/v1/agents', status_code: 201 });

      const rid2 = freshRequestId('audit-legacy');
      expectSuccess(await h.http.post('/api/agents').set(bearer(O.member)).set('X-Request-Id', rid2).send(agentBody()), 201);
      const [row] = await waitForAudit(h, g.api_key, rid2);
      expect(row).toMatchObject({ method: 'POST', status_code: 201, api_key_id: ids.member });
      expect(['/api/agents', '/api/v1/agents']).toContain(row.path);
    });

    it('idempotent replays are audited as calls of their own', async () => {
      const body = agentBody();
      const key = freshRequestId('idem');
      const [r1, r2] = [freshRequestId('idem-1'), freshRequestId('idem-2')];
      expectSuccess(await h.http.post('/api/v1/agents').set(bearer(O.member)).set('Idempotency-Key', key).set('X-Request-Id', r1).send(body), 201);
      expectSuccess(await h.http.post('/api/v1/agents').set(bearer(O.member)).set('Idempotency-Key', key).set('X-Request-Id', r2).send(body), 201);
      expect(await waitForAudit(h, g.api_key, r1)).toHaveLength(1);
      expect(await waitForAudit(h, g.api_key, r2)).toHaveLength(1);
    });

    it('GET requests are not audited', async () => {
      const getRid = freshRequestId('audit-get');
      const get401Rid = freshRequestId('audit-get-401');
      expectSuccess(await h.http.get('/api/v1/agents').set(bearer(O.viewer)).set('X-Request-Id', getRid), 200);
      expectError(await h.http.get('/api/v1/agents').set('X-Request-Id', get401Rid), 401, 'UNAUTHORIZED');
      // Rows are written in arrival order: once a later POST's row is there, the GETs' would be too.
      const postRid = freshRequestId('audit-after-get');
      await h.http.post('/api/v1/agents').set(bearer(O.member)).set('X-Request-Id', postRid).send(agentBody()).expect(201);
      expect(await waitForAudit(h, g.api_key, postRid)).toHaveLength(1);
      for (const rid of [getRid, get401Rid]) {
        const page = expectSuccess(await h.http.get('/api/v1/system/audit-logs').query({ request_id: rid }).set(bearer(g.api_key)), 200);
        expect(page.items).toEqual([]);
      }
    });

    it('mutating calls cannot dodge the audit log by changing the case of /api', async () => {
      const rid = freshRequestId('audit-case');
      const res = await h.http.post('/API/V1/agents').set(bearer(O.member)).set('X-Request-Id', rid).send(agentBody());
      // Routes are case-sensitive: no handler runs, so no agent is created outside the audited path.
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    });

    it('filters by path, method, status_code, error_code and org_id, newest first', async () => {
      const o = await orgWithKeys(h, g.api_key);
      const rids = [0, 1, 2, 3].map((i) => freshRequestId(`filter-${i}`));
      await h.http.post('/api/v1/agents').set(bearer(o.member)).set('X-Request-Id', rids[0]).send(agentBody()).expect(201);
      await h.http.post('/api/v1/agents').set(bearer(o.viewer)).set('X-Request-Id', rids[1]).send(agentBody()).expect(403);
      await h.http.post('/api/v1/system/api-keys').set(bearer(o.admin)).set('X-Request-Id', rids[2]).send({ name: 'k', role: 'viewer' }).expect(201);
      await h.http.post('/api/v1/agents').set(bearer(o.member)).set('X-Request-Id', rids[3]).send({}).expect(400);
      for (const rid of rids) await waitForAudit(h, g.api_key, rid);

      const q = async (query: Record<string, string | number>) =>
        expectSuccess(
          await h.http
            .get('/api/v1/system/audit-logs')
            .query({ org_id: o.org_id, limit: 200, ...query })
            .set(bearer(g.api_key)),
          200,
        );

      const all = await q({});
      const ours = all.items.filter((r: any) => rids.includes(r.request_id));
      expect(ours.map((r: any) => r.request_id)).toEqual([...rids].reverse());
      expect(all.items.every((r: any) => r.org_id === o.org_id)).toBe(true);

      const byPath = await q({ path: '/api/v1/system/api-keys' });
      expect(byPath.items.map((r: any) => r.request_id)).toEqual([rids[2]]);
      const byStatus = await q({ status_code: 403 });
      expect(byStatus.items.map((r: any) => r.request_id)).toEqual([rids[1]]);
      const byCode = await q({ error_code: 'VALIDATION_ERROR' });
      expect(byCode.items.map((r: any) => r.request_id)).toEqual([rids[3]]);
      const byMethod = await q({ method: 'POST', path: '/api/v1/agents' });
      expect(byMethod.items.map((r: any) => r.request_id).sort()).toEqual([rids[0], rids[1], rids[3]].sort());
      expect((await q({ method: 'DELETE' })).items).toEqual([]);
      // The same filters through the org's own admin.
      const own = expectSuccess(await h.http.get('/api/v1/system/audit-logs').query({ status_code: 201, limit: 200 }).set(bearer(o.admin)), 200);
      expect(own.items.map((r: any) => r.request_id).sort()).toEqual([rids[0], rids[2]].sort());
    });

    it('the audit log is for admins only', async () => {
      for (const role of ['viewer', 'member'] as const) {
        const err = expectError(await h.http.get('/api/v1/system/audit-logs').set(bearer(O[role])), 403, 'FORBIDDEN');
        expect(err.details).toEqual({ required_role: 'admin', actual_role: role });
      }
    });
  });
});
