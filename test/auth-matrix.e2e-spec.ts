// Authorisation: every operation of the API, called with a key of every role and scope, answers exactly
// what the operation matrix says; and the matrix itself lists every operation the OpenAPI document has.
import { buildMatrix, callEndpoint, Endpoint, matrixApiEnv } from './support/auth-matrix';
import { Caller, satisfies, startTwoOrgs, TwoOrgs } from './support/auth-orgs';
import { expectError, expectSuccess } from './support/e2e-helpers';
import { bearer } from './support/harness';

describe('authorisation: the operation matrix', () => {
  let t: TwoOrgs;
  let endpoints: Endpoint[];

  const keyFor = (caller: Caller): string => (caller === 'global' ? t.g.api_key : t.A[caller]);

  beforeAll(async () => {
    t = await startTwoOrgs(matrixApiEnv());
    endpoints = await buildMatrix(t);
  });
  afterAll(() => t?.h.close());

  it('the matrix covers every operation of the OpenAPI document', async () => {
    const doc = (await t.h.http.get('/docs-json').expect(200)).body;
    const documented: string[] = [];
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const method of Object.keys(item)) documented.push(`${method.toUpperCase()} ${path.replace('/api/v1', '').replace(/\{[^}]+\}/g, '{id}')}`);
    }
    expect(endpoints.map((e) => e.label).sort()).toEqual(documented.sort());
  });

  describe('role matrix: every endpoint x every caller', () => {
    const callers: Caller[] = ['viewer', 'member', 'admin', 'global'];
    it.each(callers)('%s key gets exactly what its role and scope allow', async (caller) => {
      const failures: string[] = [];
      for (const ep of endpoints) {
        const res = await callEndpoint(t.h, ep, `Bearer ${keyFor(caller)}`);
        let expected: number;
        let code: string | undefined;
        if (caller === 'global') [expected, code] = [ep.ok, ep.okCode];
        else if (!satisfies(caller, ep.role)) [expected, code] = [403, 'FORBIDDEN'];
        else if (ep.globalOnly) [expected, code] = [403, 'FORBIDDEN'];
        else [expected, code] = [ep.ok, ep.okCode];
        if (res.status !== expected || (code && res.body?.error?.code !== code)) {
          failures.push(`${ep.label} as ${caller}: expected ${expected}${code ? ` ${code}` : ''}, got ${res.status} ${res.text.slice(0, 200)}`);
          continue;
        }
        if (expected < 300) {
          expectSuccess(res, expected);
        } else if (expected !== 403 || code !== 'FORBIDDEN') {
          expectError(res, expected, code!);
        } else {
          const err = expectError(res, 403, 'FORBIDDEN');
          if (caller !== 'global' && !satisfies(caller, ep.role)) {
            expect(err.details).toEqual({ required_role: ep.role, actual_role: caller });
          }
        }
      }
      expect(failures).toEqual([]);
    });

    it('a global key is an admin with org_id null', async () => {
      const list = expectSuccess(await t.h.http.get('/api/v1/system/api-keys').query({ limit: 200 }).set(bearer(t.g.api_key)), 200);
      const prefix = t.g.api_key.split('_').slice(0, 2).join('_');
      const mine = list.items.find((k: any) => k.key_prefix === prefix);
      expect(mine).toMatchObject({ org_id: null, role: 'admin', status: 'active' });
    });
  });
});
