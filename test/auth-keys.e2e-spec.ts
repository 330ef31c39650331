// API keys: the plaintext is shown once, lists never carry secrets, and an org admin manages only its
// own org's keys while a global admin manages keys of any org and global ones.
import { DataSource } from 'typeorm';
import { startTwoOrgs } from './support/auth-orgs';
import { agentBody, createKey, expectError, expectSuccess, keyIdOf, MISSING_UUID, waitUntil } from './support/e2e-helpers';
import { ApiHarness, bearer, OrgKeys } from './support/harness';

const KEY_VIEW_FIELDS = [
  'created_at',
  'expires_at',
  'id',
  'key_prefix',
  'last_used_at',
  'name',
  'org_id',
  'rate_limit_per_minute',
  'revoked_at',
  'role',
  'status',
].sort();

describe('api keys across orgs', () => {
  let h: ApiHarness;
  let g: { org_id: string; api_key: string };
  let A: OrgKeys;
  let B: OrgKeys;

  beforeAll(async () => {
    ({ h, g, A, B } = await startTwoOrgs());
  });
  afterAll(() => h?.close());

  describe('api keys', () => {
    it('creation returns the plaintext once; lists never carry api_key or key_hash', async () => {
      const created = await createKey(h, A.admin, { role: 'member', name: 'ci-pipeline' });
      expect(created.api_key).toMatch(/^gl_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
      expect(created.api_key.startsWith(`${created.key_prefix}_`)).toBe(true);
      expect(created).toMatchObject({ name: 'ci-pipeline', role: 'member', org_id: A.org_id, status: 'active', revoked_at: null });
      expect(Object.keys(created).sort()).toEqual([...KEY_VIEW_FIELDS, 'api_key'].sort());
      // The default expiry is in the future (API_KEY_DEFAULT_TTL_DAYS).
      expect(new Date(created.expires_at).getTime()).toBeGreaterThan(Date.now() + 80 * 86_400_000);
      expect(created.last_used_at).toBeNull();
      // The key works, and its use is recorded (asynchronously) in last_used_at.
      expectSuccess(await h.http.get('/api/v1/agents').set(bearer(created.api_key)), 200);
      const lastUsed = await waitUntil(
        'last_used_at of the new key',
        async () => {
          const keys = expectSuccess(await h.http.get('/api/v1/system/api-keys').query({ limit: 200 }).set(bearer(A.admin)), 200);
          return keys.items.find((k: any) => k.id === created.id).last_used_at as string | null;
        },
        2000,
      );
      expect(Math.abs(Date.now() - Date.parse(lastUsed))).toBeLessThan(60_000);

      for (const caller of [A.admin, g.api_key]) {
        const res = await h.http.get('/api/v1/system/api-keys').query({ limit: 200 }).set(bearer(caller));
        const list = expectSuccess(res, 200);
        expect(list.items.length).toBeGreaterThan(0);
        for (const item of list.items) expect(Object.keys(item).sort()).toEqual(KEY_VIEW_FIELDS);
        expect(res.text).not.toContain(created.api_key);
        expect(res.text).not.toContain('key_hash');
        expect(list.items.map((k: any) => k.id)).toContain(created.id);
      }
    });

    it('an org admin sees only its own org keys, whatever org_id it asks for', async () => {
      const own = expectSuccess(await h.http.get('/api/v1/system/api-keys').query({ limit: 200 }).set(bearer(A.admin)), 200);
      expect(own.total).toBeGreaterThanOrEqual(3);
      expect(new Set(own.items.map((k: any) => k.org_id))).toEqual(new Set([A.org_id]));

      // Another org answers exactly like a missing one.
      const res = await h.http.get('/api/v1/system/api-keys').query({ org_id: B.org_id, limit: 200 }).set(bearer(A.admin));
      const missing = await h.http.get('/api/v1/system/api-keys').query({ org_id: MISSING_UUID, limit: 200 }).set(bearer(A.admin));
      expect(expectError(res, 404, 'NOT_FOUND')).toEqual({ ...expectError(missing, 404, 'NOT_FOUND'), details: { id: B.org_id } });

      const globalView = expectSuccess(await h.http.get('/api/v1/system/api-keys').query({ org_id: B.org_id, limit: 200 }).set(bearer(g.api_key)), 200);
      expect(globalView.total).toBeGreaterThanOrEqual(3);
      expect(new Set(globalView.items.map((k: any) => k.org_id))).toEqual(new Set([B.org_id]));
    });

    it("an org admin cannot revoke another org's key (404) and the key keeps working", async () => {
      const keyB = await keyIdOf(h, g.api_key, B.viewer, B.org_id);
      expectError(await h.http.post(`/api/v1/system/api-keys/${keyB}/revoke`).set(bearer(A.admin)), 404, 'NOT_FOUND');
      expectError(await h.http.post(`/api/v1/system/api-keys/${MISSING_UUID}/revoke`).set(bearer(A.admin)), 404, 'NOT_FOUND');
      expectSuccess(await h.http.get('/api/v1/agents').set(bearer(B.viewer)), 200);
      // Nor a global key.
      const globalId = await keyIdOf(h, g.api_key, g.api_key);
      expectError(await h.http.post(`/api/v1/system/api-keys/${globalId}/revoke`).set(bearer(A.admin)), 404, 'NOT_FOUND');
      expectSuccess(await h.http.get('/api/v1/orgs').set(bearer(g.api_key)), 200);
    });

    it('an org admin cannot create keys for another org (404) or global keys', async () => {
      const countB = async () => expectSuccess(await h.http.get('/api/v1/system/api-keys').query({ org_id: B.org_id }).set(bearer(g.api_key)), 200).total;
      const countGlobal = async () => (await h.app.get(DataSource).query(`SELECT count(*)::int AS n FROM api_keys WHERE org_id IS NULL`))[0].n as number;
      const [b0, g0] = [await countB(), await countGlobal()];
      expectError(await h.http.post('/api/v1/system/api-keys').set(bearer(A.admin)).send({ name: 'x', role: 'viewer', org_id: B.org_id }), 404, 'NOT_FOUND');
      const res = await h.http.post('/api/v1/system/api-keys').set(bearer(A.admin)).send({ name: 'x', role: 'admin', org_id: null });
      expectError(res, 403, 'FORBIDDEN');
      expect(await countB()).toBe(b0);
      expect(await countGlobal()).toBe(g0);
    });

    it('an org admin omitting org_id creates the key in its own org', async () => {
      const k = await createKey(h, A.admin, { role: 'viewer' });
      expect(k.org_id).toBe(A.org_id);
    });

    it.each(['viewer', 'member'])('a global key with role %s answers 400 API_KEY_SCOPE_ROLE_INVALID', async (role) => {
      for (const body of [
        { name: 'g', role, org_id: null },
        { name: 'g', role },
      ]) {
        expectError(await h.http.post('/api/v1/system/api-keys').set(bearer(g.api_key)).send(body), 400, 'API_KEY_SCOPE_ROLE_INVALID');
      }
    });

    it('a global admin creates global admin keys and keys for any org; an unknown org answers 404', async () => {
      const globalKey = await createKey(h, g.api_key, { role: 'admin', org_id: null });
      expect(globalKey).toMatchObject({ org_id: null, role: 'admin' });
      expectSuccess(await h.http.get('/api/v1/orgs').set(bearer(globalKey.api_key)), 200);

      const forB = await createKey(h, g.api_key, { role: 'member', org_id: B.org_id });
      expect(forB.org_id).toBe(B.org_id);
      expect(expectSuccess(await h.http.post('/api/v1/agents').set(bearer(forB.api_key)).send(agentBody()), 201).org_id).toBe(B.org_id);

      expectError(
        await h.http.post('/api/v1/system/api-keys').set(bearer(g.api_key)).send({ name: 'x', role: 'viewer', org_id: MISSING_UUID }),
        404,
        'NOT_FOUND',
      );
    });

    it('expires_at must be in the future; an explicit expiry is kept', async () => {
      const past = await h.http
        .post('/api/v1/system/api-keys')
        .set(bearer(A.admin))
        .send({ name: 'x', role: 'viewer', expires_at: new Date(Date.now() - 60_000).toISOString() });
      expectError(past, 400, 'VALIDATION_ERROR');
      const at = new Date(Date.now() + 7 * 86_400_000);
      at.setMilliseconds(0);
      const k = await createKey(h, A.admin, { role: 'viewer', expires_at: at.toISOString() });
      expect(new Date(k.expires_at).getTime()).toBe(at.getTime());
    });

    it('revoke is idempotent, the key stops working at once, and the status filter finds it', async () => {
      const k = await createKey(h, A.admin, { role: 'viewer' });
      expectSuccess(await h.http.get('/api/v1/agents').set(bearer(k.api_key)), 200);
      const first = expectSuccess(await h.http.post(`/api/v1/system/api-keys/${k.id}/revoke`).set(bearer(A.admin)), 200);
      expect(first).toMatchObject({ id: k.id, status: 'revoked' });
      expect(Math.abs(Date.now() - Date.parse(first.revoked_at))).toBeLessThan(60_000);
      expect(Object.keys(first).sort()).toEqual(KEY_VIEW_FIELDS);
      const second = expectSuccess(await h.http.post(`/api/v1/system/api-keys/${k.id}/revoke`).set(bearer(A.admin)), 200);
      expect(second).toEqual(first);
      expectError(await h.http.get('/api/v1/agents').set(bearer(k.api_key)), 401, 'UNAUTHORIZED');

      const revoked = expectSuccess(await h.http.get('/api/v1/system/api-keys').query({ status: 'revoked', limit: 200 }).set(bearer(A.admin)), 200);
      expect(revoked.items.map((x: any) => x.id)).toContain(k.id);
      expect(revoked.items.every((x: any) => x.status === 'revoked')).toBe(true);
      const active = expectSuccess(await h.http.get('/api/v1/system/api-keys').query({ status: 'active', limit: 200 }).set(bearer(A.admin)), 200);
      expect(active.items.map((x: any) => x.id)).not.toContain(k.id);
    });
  });
});
