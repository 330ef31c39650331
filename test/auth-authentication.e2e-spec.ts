// Authentication: a missing, malformed, unknown, revoked or expired key answers 401 on every operation
// of the matrix, and a refused call changes nothing.
import { DataSource } from 'typeorm';
import { buildMatrix, callEndpoint, Endpoint, matrixApiEnv } from './support/auth-matrix';
import { startTwoOrgs, TwoOrgs } from './support/auth-orgs';
import { agentBody, createKey, expectError, expectSuccess } from './support/e2e-helpers';
import { bearer } from './support/harness';

describe('authentication: missing, malformed, unknown, revoked and expired keys answer 401 everywhere', () => {
  let t: TwoOrgs;
  let endpoints: Endpoint[];
  let revokedAdmin: string;
  let expiredAdmin: string;

  beforeAll(async () => {
    t = await startTwoOrgs(matrixApiEnv());
    const { h, g, A } = t;
    endpoints = await buildMatrix(t);
    const r = await createKey(h, g.api_key, { role: 'admin', org_id: A.org_id });
    const e = await createKey(h, g.api_key, { role: 'admin', org_id: A.org_id });
    // Both work before they are disabled, so a 401 later is caused by the revocation / expiry.
    expectSuccess(await h.http.get('/api/v1/system/api-keys').set(bearer(r.api_key)), 200);
    expectSuccess(await h.http.get('/api/v1/system/api-keys').set(bearer(e.api_key)), 200);
    expectSuccess(await h.http.post(`/api/v1/system/api-keys/${r.id}/revoke`).set(bearer(g.api_key)), 200);
    await h.app.get(DataSource).query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [e.id]);
    revokedAdmin = r.api_key;
    expiredAdmin = e.api_key;
  });
  afterAll(() => t?.h.close());

  const cases: [string, () => string | undefined][] = [
    ['no Authorization header', () => undefined],
    ['empty Authorization header', () => ''],
    ['Basic scheme', () => `Basic ${Buffer.from('user:pass').toString('base64')}`],
    ['Bearer without a token', () => 'Bearer'],
    ['Bearer with two tokens', () => `Bearer ${t.A.admin} extra`],
    ['the key without a scheme', () => t.A.admin],
    ['Token scheme with a valid key', () => `Token ${t.A.admin}`],
    ['unknown key of valid shape', () => `Bearer gl_00000000_${'A'.repeat(43)}`],
    ['garbage token', () => 'Bearer not-a-key'],
    ['a valid key with one character changed', () => `Bearer ${t.A.admin.slice(0, -1)}${t.A.admin.endsWith('x') ? 'y' : 'x'}`],
    ['revoked key', () => `Bearer ${revokedAdmin}`],
    ['expired key', () => `Bearer ${expiredAdmin}`],
  ];

  it.each(cases)('%s → 401 UNAUTHORIZED on every endpoint', async (_label, auth) => {
    const failures: string[] = [];
    for (const ep of endpoints) {
      const res = await callEndpoint(t.h, ep, auth());
      if (res.status !== 401 || res.body?.error?.code !== 'UNAUTHORIZED') {
        failures.push(`${ep.label}: ${res.status} ${res.text.slice(0, 200)}`);
        continue;
      }
      expectError(res, 401, 'UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    expect(failures).toEqual([]);
  });

  it('the scheme name is case-insensitive (RFC 7235)', async () => {
    expectSuccess(await t.h.http.get('/api/v1/agents').set('Authorization', `bearer ${t.A.viewer}`), 200);
  });

  it('a 401 from a bad key creates nothing', async () => {
    const { h, g, A } = t;
    const before = expectSuccess(await h.http.get('/api/v1/agents').query({ org_id: A.org_id }).set(bearer(g.api_key)), 200).total;
    expectError(await h.http.post('/api/v1/agents').set(bearer(revokedAdmin)).send(agentBody()), 401, 'UNAUTHORIZED');
    expectError(await h.http.post('/api/v1/agents').set(bearer(expiredAdmin)).send(agentBody()), 401, 'UNAUTHORIZED');
    const after = expectSuccess(await h.http.get('/api/v1/agents').query({ org_id: A.org_id }).set(bearer(g.api_key)), 200).total;
    expect(after).toBe(before);
  });
});
