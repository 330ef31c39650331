import { getRepositoryToken } from '@nestjs/typeorm';
import type Redis from 'ioredis';
import { ApiKeyEntity } from '@greenlight/database';
import { REDIS_CLIENT } from '@greenlight/queue';
import { agentBody, createKey, expectError, expectSuccess, MISSING_UUID } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi } from './support/harness';

const METRICS_TOKEN = 'metrics-scrape-token-0123456789';
const ALLOWED_ORIGIN = 'https://console.example.com';

/** Keys of the right shape that no org has. */
const unknownKey = (i: number) => `gl_${i.toString(16).padStart(8, '0')}_${'Q'.repeat(43)}`;

describe('limits and exposure', () => {
  let h: ApiHarness;
  let g: { org_id: string; api_key: string };
  let A: OrgKeys;
  let B: OrgKeys;

  beforeAll(async () => {
    h = await startApi();
    g = await globalAdmin(h.config);
    A = await orgWithKeys(h, g.api_key);
    B = await orgWithKeys(h, g.api_key);
  });
  afterAll(() => h.close());

  describe('key rate limits: org admins may only tighten the platform limit', () => {
    const keyCount = async (orgId: string) =>
      expectSuccess(await h.http.get('/api/v1/system/api-keys').query({ org_id: orgId }).set(bearer(g.api_key)), 200).total as number;

    it('an org admin asking for no limit (0) or more than API_RATE_LIMIT_PER_MINUTE gets 403 and no key', async () => {
      const platform = h.config.get('API_RATE_LIMIT_PER_MINUTE');
      const before = await keyCount(A.org_id);
      for (const limit of [0, platform + 1, 1_000_000]) {
        const res = await h.http.post('/api/v1/system/api-keys').set(bearer(A.admin)).send({ name: 'loose', role: 'viewer', rate_limit_per_minute: limit });
        const err = expectError(res, 403, 'API_KEY_RATE_LIMIT_FORBIDDEN');
        expect(err.details).toEqual({ field: 'rate_limit_per_minute', requested: limit, platform_limit_per_minute: platform });
      }
      expect(await keyCount(A.org_id)).toBe(before);
    });

    it('an org admin may set 1 up to the platform limit, or leave it to the platform', async () => {
      const platform = h.config.get('API_RATE_LIMIT_PER_MINUTE');
      for (const limit of [1, 5, platform, null]) {
        expect((await createKey(h, A.admin, { role: 'viewer', rate_limit_per_minute: limit })).rate_limit_per_minute).toBe(limit);
      }
    });

    it('a global admin may raise or remove the limit of any key', async () => {
      for (const limit of [0, 1_000_000]) {
        const k = await createKey(h, g.api_key, { role: 'viewer', org_id: A.org_id, rate_limit_per_minute: limit });
        expect(k).toMatchObject({ org_id: A.org_id, rate_limit_per_minute: limit });
      }
    });

    it('when the platform has no limit, nothing an org admin asks for is looser', async () => {
      const open = await startApi({ API_RATE_LIMIT_PER_MINUTE: '0' });
      try {
        for (const limit of [0, 1_000_000]) {
          const res = await open.http.post('/api/v1/system/api-keys').set(bearer(A.admin)).send({ name: 'k', role: 'viewer', rate_limit_per_minute: limit });
          expect(expectSuccess(res, 201).rate_limit_per_minute).toBe(limit);
        }
      } finally {
        await open.close();
      }
    });
  });

  describe('failed authentication is throttled per client address', () => {
    const LIMIT = 10;
    let t: ApiHarness;
    let lookups: jest.SpyInstance;

    beforeAll(async () => {
      t = await startApi({ AUTH_FAILURE_LIMIT_PER_MINUTE: String(LIMIT) });
      lookups = jest.spyOn(t.app.get(getRepositoryToken(ApiKeyEntity)), 'findOneBy');
    });
    afterAll(() => t.close());

    /** Forgets this file's failure counts, so each test starts with a fresh budget. */
    async function resetFailures(): Promise<void> {
      const redis = t.app.get<Redis>(REDIS_CLIENT);
      const keys = await redis.keys(`${t.config.get('REDIS_PREFIX')}:authfail:*`);
      if (keys.length) await redis.del(...keys);
    }

    it('a parallel burst of 300 unknown keys: LIMIT lookups and 401s, then 429 with Retry-After and no lookup', async () => {
      // A client that has used its key before the burst.
      expectSuccess(await t.http.get('/api/v1/agents').set(bearer(A.viewer)), 200);
      await resetFailures();
      lookups.mockClear();
      const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => t.http.get('/api/v1/agents').set(bearer(unknownKey(i)))));
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(LIMIT);
      expect(statuses.filter((s) => s === 429)).toHaveLength(300 - LIMIT);
      expect(lookups).toHaveBeenCalledTimes(LIMIT);

      const limited = answers.find((r) => r.status === 429)!;
      const err = expectError(limited, 429, 'RATE_LIMITED');
      expect(err.details).toMatchObject({ scope: 'client_address', limit: LIMIT, window_seconds: 60 });
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(err.details.retry_after_seconds).toBe(retryAfter);

      // Valid keys from the same address still work: one used before, and one created just now.
      expectSuccess(await t.http.get('/api/v1/agents').set(bearer(A.viewer)), 200);
      const fresh = expectSuccess(
        await t.http.post('/api/v1/system/api-keys').set(bearer(g.api_key)).send({ name: 'fresh', role: 'viewer', org_id: A.org_id }),
        201,
      );
      expectSuccess(await t.http.get('/api/v1/agents').set(bearer(fresh.api_key)), 200);
      // Bull Board sign-ins count against the same budget.
      const board = await t.http.get('/admin/queues').set(bearer(unknownKey(999)));
      expect(expectError(board, 429, 'RATE_LIMITED').details.retry_after_seconds).toBe(Number(board.headers['retry-after']));
      expect(Number(board.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    });

    it('text that cannot be a key is refused without a lookup, and counts as a failure', async () => {
      await resetFailures();
      lookups.mockClear();
      for (let i = 0; i < LIMIT; i++) {
        const res = await t.http.get('/api/v1/agents').set('Authorization', `Bearer not-a-key-${i}`);
        expectError(res, 401, 'UNAUTHORIZED');
      }
      expectError(await t.http.get('/api/v1/agents').set('Authorization', 'Bearer still-not-a-key'), 429, 'RATE_LIMITED');
      expect(lookups).not.toHaveBeenCalled();
    });

    it('a revoked key that used to work answers 401 and is then treated like any unknown key', async () => {
      const k = await createKey(h, g.api_key, { role: 'viewer', org_id: A.org_id });
      expectSuccess(await t.http.get('/api/v1/agents').set(bearer(k.api_key)), 200);
      expectSuccess(await h.http.post(`/api/v1/system/api-keys/${k.id}/revoke`).set(bearer(g.api_key)), 200);
      await resetFailures();
      expectError(await t.http.get('/api/v1/agents').set(bearer(k.api_key)), 401, 'UNAUTHORIZED');
      for (let i = 1; i < LIMIT; i++) expectError(await t.http.get('/api/v1/agents').set(bearer(unknownKey(i))), 401, 'UNAUTHORIZED');
      expectError(await t.http.get('/api/v1/agents').set(bearer(k.api_key)), 429, 'RATE_LIMITED');
    });
  });

  describe("lists answer 404 for another org's org_id, like every cross-tenant id", () => {
    const lists: [string, 'admin' | 'viewer'][] = [
      ['/api/v1/system/api-keys', 'admin'],
      ['/api/v1/system/audit-logs', 'admin'],
      ['/api/v1/agents', 'viewer'],
      ['/api/v1/eval/runs', 'viewer'],
      ['/api/v1/eval/templates', 'viewer'],
      ['/api/v1/webhooks/endpoints', 'admin'],
    ];

    it.each(lists)('%s', async (path, role) => {
      expectError(await h.http.get(path).query({ org_id: B.org_id }).set(bearer(A[role])), 404, 'NOT_FOUND');
      expectError(await h.http.get(path).query({ org_id: MISSING_UUID }).set(bearer(A[role])), 404, 'NOT_FOUND');
      expectError(await h.http.get(path).query({ org_id: MISSING_UUID }).set(bearer(g.api_key)), 404, 'NOT_FOUND');
      expectSuccess(await h.http.get(path).query({ org_id: A.org_id }).set(bearer(A[role])), 200);
      const named = expectSuccess(await h.http.get(path).query({ org_id: B.org_id, limit: 200 }).set(bearer(g.api_key)), 200);
      expect(named.items.every((row: { org_id: string }) => row.org_id === B.org_id)).toBe(true);
    });
  });

  describe('response headers, CORS and /metrics', () => {
    let x: ApiHarness;

    beforeAll(async () => {
      x = await startApi({ CORS_ORIGINS: `${ALLOWED_ORIGIN},http://localhost:5173`, METRICS_TOKEN, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    });
    afterAll(() => x.close());

    it('every answer, success or error, API or not, carries no-store, nosniff and a CSP', async () => {
      const answers = [
        await h.http.get('/api/v1/agents').set(bearer(A.viewer)),
        await h.http.get('/api/v1/agents'),
        await h.http.get('/health'),
        await h.http.get('/no/such/route'),
      ];
      for (const res of answers) {
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['content-security-policy']).toContain("default-src 'self'");
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
    });

    it('CORS is closed by default: no CORS header for any origin, preflight included', async () => {
      const res = await h.http.get('/api/v1/agents').set(bearer(A.viewer)).set('Origin', ALLOWED_ORIGIN);
      expectSuccess(res, 200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const pre = await h.http
        .options('/api/v1/agents')
        .set('Origin', ALLOWED_ORIGIN)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type');
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      expect(pre.headers['access-control-allow-headers']).toBeUndefined();
    });

    it('CORS_ORIGINS opens the API to those origins only', async () => {
      const ok = await x.http.get('/api/v1/agents').set(bearer(A.viewer)).set('Origin', ALLOWED_ORIGIN);
      expectSuccess(ok, 200);
      expect(ok.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(ok.headers['access-control-expose-headers']).toMatch(/X-Request-Id/);
      expect(ok.headers['access-control-allow-credentials']).toBeUndefined();
      const pre = await x.http
        .options('/api/v1/agents')
        .set('Origin', ALLOWED_ORIGIN)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key');
      expect(pre.status).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(pre.headers['access-control-allow-headers']).toMatch(/Idempotency-Key/);
      const other = await x.http.get('/api/v1/agents').set(bearer(A.viewer)).set('Origin', 'https://evil.example');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('/metrics is open by default and needs the bearer token when METRICS_TOKEN is set', async () => {
      expect((await h.http.get('/metrics')).status).toBe(200);
      for (const auth of [undefined, 'Bearer wrong-token-0123456789', `Bearer ${g.api_key}`, `Basic ${METRICS_TOKEN}`]) {
        const req = x.http.get('/metrics');
        const res = auth ? await req.set('Authorization', auth) : await req;
        expectError(res, 401, 'UNAUTHORIZED');
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      }
      const ok = await x.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('http_requests_total');
    });

    it('Swagger UI and Bull Board load only their own scripts, all served, under the CSP', async () => {
      const pages = [
        // Relative sources resolve against the page's <base href>, else its own URL.
        { base: '/docs', res: await h.http.get('/docs') },
        { base: '/admin/queues/', res: await h.http.get('/admin/queues').set(bearer(g.api_key)) },
      ];
      for (const { base, res } of pages) {
        expect(res.status).toBe(200);
        const csp = String(res.headers['content-security-policy']);
        expect(csp).toMatch(/script-src 'self'(;|$)/);
        expect(csp).not.toContain('upgrade-insecure-requests');
        const root = /<base href="([^"]+)"/.exec(res.text)?.[1] ?? base;
        const scripts = [...res.text.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
        expect(scripts.length).toBeGreaterThan(0);
        for (const attrs of scripts) {
          const src = /\bsrc="([^"]+)"/.exec(attrs)?.[1];
          if (!src) {
            // The only inline script tag allowed is data the page reads, which the browser never runs.
            expect(attrs).toMatch(/type="application\/json"/);
            continue;
          }
          expect(src).not.toMatch(/^https?:/);
          const asset = await h.http.get(new URL(src, `http://x${root}`).pathname).set(bearer(g.api_key));
          expect(asset.status).toBe(200);
        }
      }
    });

    it("an agent's api_endpoint passes the outbound policy when saved, as webhook URLs do", async () => {
      const before = expectSuccess(await h.http.get('/api/v1/agents').set(bearer(A.viewer)), 200).total;
      for (const url of [
        'http://127.0.0.1:9/invoke',
        'http://[::1]/x',
        'http://2130706433/x',
        'http://10.1.2.3/x',
        'http://169.254.169.254/latest/meta-data',
      ]) {
        const err = expectError(
          await h.http
            .post('/api/v1/agents')
            .set(bearer(A.member))
            .send(agentBody({ api_endpoint: url })),
          400,
          'OUTBOUND_URL_REFUSED',
        );
        expect(err.details).toMatchObject({ field: 'api_endpoint', kind: 'blocked_address' });
        const hook = await h.http.post('/api/v1/webhooks/endpoints').set(bearer(A.admin)).send({ url });
        expect(expectError(hook, 400, 'OUTBOUND_URL_REFUSED').details.kind).toBe('blocked_address');
      }
      expect(expectSuccess(await h.http.get('/api/v1/agents').set(bearer(A.viewer)), 200).total).toBe(before);
      // A public address, and a name that does not resolve yet (checked again at every call), are accepted.
      for (const url of ['http://93.184.215.14/invoke', 'https://not-deployed-yet.invalid/invoke']) {
        expectSuccess(
          await h.http
            .post('/api/v1/agents')
            .set(bearer(A.member))
            .send(agentBody({ api_endpoint: url })),
          201,
        );
      }
      // OUTBOUND_ALLOWED_HOSTS lets local agents in.
      const local = await x.http
        .post('/api/v1/agents')
        .set(bearer(A.member))
        .send(agentBody({ api_endpoint: 'http://127.0.0.1:9/invoke' }));
      expect(expectSuccess(local, 201).api_endpoint).toBe('http://127.0.0.1:9/invoke');
    });
  });
});
