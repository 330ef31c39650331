import { bootstrapOrg } from '../scripts/bootstrap';
import { ApiHarness, bearer, startApi, uniqueName } from './support/harness';
import { expectError, expectSuccess, UUID_RE } from './support/e2e-helpers';

describe('bootstrap command', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApi();
  });
  afterAll(() => h.close());

  it('run twice with one name: the same org, two different working global admin keys', async () => {
    const name = uniqueName('Bootstrap Org');
    const first = await bootstrapOrg(h.config, name);
    const second = await bootstrapOrg(h.config, name);
    expect(first.org_id).toMatch(UUID_RE);
    expect(second.org_id).toBe(first.org_id);
    expect(first.created_org).toBe(true);
    expect(second.created_org).toBe(false);
    expect(first.api_key).toMatch(/^gl_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    expect(second.api_key).not.toBe(first.api_key);

    for (const key of [first.api_key, second.api_key]) {
      const org = expectSuccess(await h.http.get(`/api/v1/orgs/${first.org_id}`).set(bearer(key)), 200);
      expect(org).toMatchObject({ id: first.org_id, name });
      // Global admin: may do what only global keys may.
      expectSuccess(await h.http.get('/api/v1/orgs').set(bearer(key)), 200);
    }

    const keys = expectSuccess(await h.http.get('/api/v1/system/api-keys').query({ limit: 200 }).set(bearer(first.api_key)), 200);
    const prefixes = [first.api_key, second.api_key].map((k) => k.split('_').slice(0, 2).join('_'));
    const mine = keys.items.filter((k: any) => prefixes.includes(k.key_prefix));
    expect(mine).toHaveLength(2);
    for (const k of mine) expect(k).toMatchObject({ org_id: null, role: 'admin', status: 'active' });

    const orgs = expectSuccess(await h.http.get('/api/v1/orgs').query({ limit: 200 }).set(bearer(first.api_key)), 200);
    expect(orgs.items.filter((o: any) => o.name === name)).toHaveLength(1);
  });

  it('the org name matches case-insensitively and ignoring surrounding spaces', async () => {
    const name = uniqueName('Case Org');
    const first = await bootstrapOrg(h.config, name);
    const again = await bootstrapOrg(h.config, `  ${name.toUpperCase()}  `);
    expect(again.org_id).toBe(first.org_id);
  });

  it('two bootstraps racing on a new name end in one org', async () => {
    const name = uniqueName('Race Org');
    const results = await Promise.all([bootstrapOrg(h.config, name), bootstrapOrg(h.config, name), bootstrapOrg(h.config, name)]);
    expect(new Set(results.map((r) => r.org_id)).size).toBe(1);
    expect(new Set(results.map((r) => r.api_key)).size).toBe(3);
    expect(results.filter((r) => r.created_org)).toHaveLength(1);
    for (const r of results) expectSuccess(await h.http.get(`/api/v1/orgs/${r.org_id}`).set(bearer(r.api_key)), 200);
  });

  it('revoking one bootstrap key leaves the other working', async () => {
    const name = uniqueName('Revoke Org');
    const a = await bootstrapOrg(h.config, name);
    const b = await bootstrapOrg(h.config, name);
    const list = expectSuccess(await h.http.get('/api/v1/system/api-keys').query({ limit: 200 }).set(bearer(b.api_key)), 200);
    const aId = list.items.find((k: any) => k.key_prefix === a.api_key.split('_').slice(0, 2).join('_')).id;
    expectSuccess(await h.http.post(`/api/v1/system/api-keys/${aId}/revoke`).set(bearer(b.api_key)), 200);
    expectError(await h.http.get('/api/v1/orgs').set(bearer(a.api_key)), 401, 'UNAUTHORIZED');
    expectSuccess(await h.http.get('/api/v1/orgs').set(bearer(b.api_key)), 200);
  });
});
