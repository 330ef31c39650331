import { expectError, keyIdOf, waitForAudit } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi } from './support/harness';

describe('Bull Board at /admin/queues', () => {
  let h: ApiHarness;
  let g: { api_key: string };
  let o: OrgKeys;

  beforeAll(async () => {
    h = await startApi();
    g = await globalAdmin(h.config);
    o = await orgWithKeys(h, g.api_key);
  });
  afterAll(() => h.close());

  const basic = (key: string) => `Basic ${Buffer.from(`ops:${key}`).toString('base64')}`;

  it('asks a browser to sign in, and refuses bad keys', async () => {
    const anon = await h.http.get('/admin/queues');
    expectError(anon, 401, 'UNAUTHORIZED');
    expect(anon.headers['www-authenticate']).toMatch(/^Basic realm="Greenlight queues"/);
    expectError(await h.http.get('/admin/queues').set('Authorization', basic('gl_00000000_nope')), 401, 'UNAUTHORIZED');
  });

  it('refuses org keys, even org admins (the board shows every org)', async () => {
    for (const key of [o.viewer, o.member, o.admin]) {
      expectError(await h.http.get('/admin/queues').set(bearer(key)), 403, 'FORBIDDEN');
      expectError(await h.http.get('/admin/queues/api/queues').set('Authorization', basic(key)), 403, 'FORBIDDEN');
    }
  });

  it('serves the UI and every queue to a global admin (Basic or Bearer)', async () => {
    const page = await h.http.get('/admin/queues').set('Authorization', basic(g.api_key));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const api = await h.http.get('/admin/queues/api/queues').set(bearer(g.api_key));
    expect(api.status).toBe(200);
    const names = (api.body.queues as { name: string }[]).map((q) => q.name).sort();
    expect(names).toEqual(['eval-runs', 'notifications', 'system']);
  });

  it('board mutations are audited like API calls', async () => {
    const rid = `board-${Date.now()}`;
    const res = await h.http.put('/admin/queues/api/queues/system/resume').set(bearer(g.api_key)).set('X-Request-Id', rid);
    expect(res.status).toBe(200);
    const rows = await waitForAudit(h, g.api_key, rid, 1, 3000);
    const keyId = await keyIdOf(h, g.api_key, g.api_key);
    expect(rows).toEqual([
      expect.objectContaining({ method: 'PUT', path: '/admin/queues/api/queues/system/resume', status_code: 200, org_id: null, api_key_id: keyId }),
    ]);
  });
});
