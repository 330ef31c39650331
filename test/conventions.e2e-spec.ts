import { gzipSync } from 'node:zlib';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';
import { agentBody, createAgent, expectError, expectSuccess, expectValidation, rawRequest, UUID_RE } from './support/e2e-helpers';

const MIB = 1024 * 1024;

/** The value of one sample line of the Prometheus text, or 0 when the series does not exist yet. */
function sample(text: string, metric: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const m = /^[^{]+\{([^}]*)\}\s+(\S+)$/.exec(line);
    if (!m) continue;
    const got: Record<string, string> = {};
    for (const part of m[1].match(/[a-zA-Z_]+="[^"]*"/g) ?? []) {
      const [k, v] = part.split('=');
      got[k] = v.slice(1, -1);
    }
    if (Object.entries(labels).every(([k, v]) => got[k] === v) && Object.keys(got).length === Object.keys(labels).length) {
      return Number(m[2]);
    }
  }
  return 0;
}

describe('API conventions', () => {
  let h: ApiHarness;
  let g: { org_id: string; api_key: string };
  let K: OrgKeys;
  let agent: any;

  beforeAll(async () => {
    h = await startApi();
    // Listening on a real port lets rawRequest send bytes supertest would rewrite (gzip bodies).
    await h.app.listen(0, '127.0.0.1');
    g = await globalAdmin(h.config);
    K = await orgWithKeys(h, g.api_key);
    agent = await createAgent(h, K.member);
  });
  afterAll(() => h.close());

  describe('envelope, versioning and request ids', () => {
    it('a canonical route answers the success envelope with X-API-Version and a generated UUID request id', async () => {
      const res = await h.http.get(`/api/v1/agents/${agent.id}`).set(bearer(K.viewer));
      expect(expectSuccess(res, 200)).toEqual(agent);
      expect(res.headers['x-api-version']).toBe('v1');
      expect(res.headers['x-request-id']).toMatch(UUID_RE);
      expect(res.headers['deprecation']).toBeUndefined();
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    it('each request gets its own generated id', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 3; i++) ids.add((await h.http.get('/api/v1/agents').set(bearer(K.viewer))).headers['x-request-id']);
      expect(ids.size).toBe(3);
    });

    it('legacy /api/... routes answer from the same handlers with Deprecation: true', async () => {
      const legacy = await h.http.get(`/api/agents/${agent.id}`).set(bearer(K.viewer));
      expect(expectSuccess(legacy, 200)).toEqual(agent);
      expect(legacy.headers['deprecation']).toBe('true');
      expect(legacy.headers['x-api-version']).toBe('v1');
      expect(legacy.headers['link']).toBe(`</api/v1/agents/${agent.id}>; rel="successor-version"`);

      const listV1 = expectSuccess(await h.http.get('/api/v1/agents').set(bearer(K.viewer)), 200);
      const listLegacy = await h.http.get('/api/agents').query({ limit: 50 }).set(bearer(K.viewer));
      expect(expectSuccess(listLegacy, 200)).toEqual(listV1);
      expect(listLegacy.headers['deprecation']).toBe('true');

      const created = await h.http.post('/api/agents').set(bearer(K.member)).send(agentBody());
      expect(expectSuccess(created, 201).org_id).toBe(K.org_id);
      expect(created.headers['deprecation']).toBe('true');

      // Errors on legacy routes carry the same headers and envelope.
      const denied = await h.http.post('/api/agents').set(bearer(K.viewer)).send(agentBody());
      expectError(denied, 403, 'FORBIDDEN');
      expect(denied.headers['deprecation']).toBe('true');
      expect(denied.headers['x-api-version']).toBe('v1');
      const unauth = await h.http.get('/api/system/api-keys');
      expectError(unauth, 401, 'UNAUTHORIZED');
      expect(unauth.headers['deprecation']).toBe('true');
    });

    it('a sane client X-Request-Id is echoed in the header and in meta, on success and on error', async () => {
      for (const rid of ['client-req-1', 'A.b_c:d@e-9', 'x'.repeat(128)]) {
        const ok = await h.http.get('/api/v1/agents').set(bearer(K.viewer)).set('X-Request-Id', rid);
        expect(ok.headers['x-request-id']).toBe(rid);
        expectSuccess(ok, 200);
        expect(ok.body.meta.request_id).toBe(rid);
        const err = await h.http.get('/api/v1/agents').set('X-Request-Id', rid);
        expect(err.headers['x-request-id']).toBe(rid);
        expectError(err, 401, 'UNAUTHORIZED');
        expect(err.body.meta.request_id).toBe(rid);
      }
      const health = await h.http.get('/health').set('X-Request-Id', 'health-probe-1');
      expect(health.headers['x-request-id']).toBe('health-probe-1');
    });

    it.each([
      ['too long', 'x'.repeat(129)],
      ['spaces', 'has spaces'],
      ['slashes', 'a/b'],
      ['markup', '<script>'],
      ['quotes', 'a"b'],
    ])('an insane client X-Request-Id (%s) is replaced by a UUID', async (_label, rid) => {
      const res = await h.http.get('/api/v1/agents').set(bearer(K.viewer)).set('X-Request-Id', rid);
      expectSuccess(res, 200);
      expect(res.headers['x-request-id']).toMatch(UUID_RE);
      expect(res.body.meta.request_id).toBe(res.headers['x-request-id']);
    });

    it('non-API routes carry X-Request-Id but neither X-API-Version nor Deprecation', async () => {
      for (const path of ['/health', '/health/ready', '/metrics', '/docs-json', '/no-such-page']) {
        const res = await h.http.get(path);
        expect(res.headers['x-request-id']).toMatch(UUID_RE);
        expect(res.headers['x-api-version']).toBeUndefined();
        expect(res.headers['deprecation']).toBeUndefined();
      }
    });

    it('an unknown route answers 404 NOT_FOUND in the envelope, API or not', async () => {
      const api = await h.http.get('/api/v1/no-such-thing').set(bearer(K.viewer));
      expectError(api, 404, 'NOT_FOUND');
      expect(api.headers['x-api-version']).toBe('v1');
      expectError(await h.http.post('/api/v1/no-such-thing').set(bearer(K.member)).send({}), 404, 'NOT_FOUND');
      expectError(await h.http.get('/api/no-such-thing'), 404, 'NOT_FOUND');
      expectError(await h.http.get('/no-such-page'), 404, 'NOT_FOUND');
      expectError(await h.http.get('/api/v1'), 404, 'NOT_FOUND');
    });

    it('an unsupported method on a known path answers 404 NOT_FOUND in the error envelope, not a 5xx', async () => {
      for (const res of [
        await h.http.delete('/api/v1/agents').set(bearer(K.admin)),
        await h.http.put(`/api/v1/agents/${agent.id}`).set(bearer(K.admin)).send({ name: 'x' }),
        await h.http.patch('/api/v1/orgs').set(bearer(g.api_key)).send({}),
      ]) {
        expectError(res, 404, 'NOT_FOUND');
      }
    });

    it('validation errors list { field, messages } per field', async () => {
      const details = expectValidation(await h.http.post('/api/v1/agents').set(bearer(K.member)).send({ name: 7, extra: 1 }), ['name', 'agent_type', 'extra']);
      expect(details.find((d) => d.field === 'extra')!.messages.join(' ')).toMatch(/should not exist/);
    });
  });

  describe('bad input never answers 5xx', () => {
    const post = (path: string, key: () => string) => h.http.post(path).set(bearer(key()));

    it('malformed JSON → 400 VALIDATION_ERROR envelope', async () => {
      for (const raw of ['{"name":', '{name: "x"}', "{'a':1}", '{"a":1,}', 'nul']) {
        const res = await post('/api/v1/agents', () => K.member)
          .set('Content-Type', 'application/json')
          .send(raw);
        expect(expectValidation(res, ['body'])).toHaveLength(1);
      }
    });

    it.each([
      ['a JSON array', '[{"name":"x","agent_type":"analysis"}]'],
      ['a JSON string', '"hello"'],
      ['a JSON number', '42'],
      ['JSON null', 'null'],
      ['JSON true', 'true'],
    ])('%s as the body → 400 VALIDATION_ERROR', async (_label, raw) => {
      const res = await post('/api/v1/agents', () => K.member)
        .set('Content-Type', 'application/json')
        .send(raw);
      expectValidation(res, ['body']);
    });

    it('an empty JSON body on a create → 400 VALIDATION_ERROR', async () => {
      const res = await post('/api/v1/agents', () => K.member).set('Content-Type', 'application/json');
      expectError(res, 400, 'VALIDATION_ERROR');
    });

    it('a body over 1 MiB → 413 PAYLOAD_TOO_LARGE envelope (and nothing is created)', async () => {
      const before = expectSuccess(await h.http.get('/api/v1/agents').set(bearer(K.viewer)), 200).total;
      const body = JSON.stringify(agentBody({ description: 'd', metadata: { blob: 'x'.repeat(MIB) } }));
      const res = await post('/api/v1/agents', () => K.member)
        .set('Content-Type', 'application/json')
        .send(body);
      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
      expect(expectSuccess(await h.http.get('/api/v1/agents').set(bearer(K.viewer)), 200).total).toBe(before);
      // Just under the limit is read (and then judged on its merits).
      const under = JSON.stringify({ name: 'n', agent_type: 'analysis', description: 'x'.repeat(MIB - 200) });
      expectValidation(
        await post('/api/v1/agents', () => K.member)
          .set('Content-Type', 'application/json')
          .send(under),
        ['description'],
      );
    });

    it.each([
      ['text/plain', 'text/plain', '{"name":"x","agent_type":"analysis"}'],
      ['form-urlencoded', 'application/x-www-form-urlencoded', 'name=x&agent_type=analysis'],
      ['xml', 'application/xml', '<agent/>'],
      ['multipart', 'multipart/form-data; boundary=X', '--X\r\n\r\nx\r\n--X--'],
    ])('a %s body on POST → 415 UNSUPPORTED_MEDIA_TYPE', async (_label, type, raw) => {
      const res = await post('/api/v1/agents', () => K.member)
        .set('Content-Type', type)
        .send(raw);
      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('application/*+json bodies are accepted as JSON', async () => {
      const res = await post('/api/v1/agents', () => K.member)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify(agentBody()));
      expectSuccess(res, 201);
    });

    it('an unsupported charset or content encoding → 415; a corrupt gzip body → 4xx, never 5xx', async () => {
      expectError(
        await post('/api/v1/agents', () => K.member)
          .set('Content-Type', 'application/json; charset=latin-99')
          .send('{}'),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      expectError(
        await post('/api/v1/agents', () => K.member)
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', 'zstd-x')
          .send('{}'),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      // A well-formed gzip body is inflated and handled normally.
      const send = (body: Buffer | string) =>
        rawRequest(h.app.getHttpServer(), {
          method: 'POST',
          path: '/api/v1/agents',
          headers: { Authorization: `Bearer ${K.member}`, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
          body,
        });
      expectSuccess(await send(gzipSync(Buffer.from(JSON.stringify(agentBody())))), 201);
      expectValidation(await send('this is not gzip'), ['body']);
    });

    it('NUL characters in strings are refused with 400, never a database 500', async () => {
      const cases: [string, () => PromiseLike<{ status: number; body: any }>][] = [
        ['agent name', () => post('/api/v1/agents', () => K.member).send(agentBody({ name: 'nul\u0000name' }))],
        ['agent description', () => post('/api/v1/agents', () => K.member).send(agentBody({ description: 'nul\u0000' }))],
        ['agent metadata value', () => post('/api/v1/agents', () => K.member).send(agentBody({ metadata: { note: 'nul\u0000' } }))],
        ['agent metadata key', () => post('/api/v1/agents', () => K.member).send(agentBody({ metadata: { 'k\u0000': 1 } }))],
        ['org name', () => post('/api/v1/orgs', () => g.api_key).send({ name: uniqueName('nul\u0000org') })],
        ['api key name', () => post('/api/v1/system/api-keys', () => K.admin).send({ name: 'nul\u0000key', role: 'viewer' })],
        ['audit request_id filter', () => h.http.get('/api/v1/system/audit-logs?request_id=%00').set(bearer(K.admin))],
        ['audit path filter', () => h.http.get('/api/v1/system/audit-logs?path=%2Fapi%00').set(bearer(K.admin))],
        ['audit error_code filter', () => h.http.get('/api/v1/system/audit-logs?error_code=%00').set(bearer(K.admin))],
      ];
      const summary: string[] = [];
      for (const [label, send] of cases) {
        const r = await send();
        summary.push(`${label}: ${r.status} ${r.body?.error?.code}`);
      }
      expect(summary.filter((s) => !/: 400 VALIDATION_ERROR$/.test(s))).toEqual([]);
    });

    it('a deeply nested metadata object inside the size limit → 4xx, never a 500', async () => {
      const depth = 50_000;
      const raw = `{"name":"${uniqueName('deep')}","agent_type":"analysis","metadata":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
      expect(raw.length).toBeLessThan(MIB);
      const res = await post('/api/v1/agents', () => K.member)
        .set('Content-Type', 'application/json')
        .send(raw);
      expect(`${res.status} ${res.body?.error?.code}`).toMatch(/^4\d\d /);
      expectError(res, res.status, res.body.error.code);
    });

    it('non-UUID path ids → 400 VALIDATION_ERROR naming the parameter', async () => {
      const cases: [string, 'get' | 'post', string, string][] = [
        ['agent', 'get', '/api/v1/agents/123', 'agent_id'],
        ['agent latest', 'get', '/api/v1/agents/not-a-uuid/latest', 'agent_id'],
        ['org', 'get', '/api/v1/orgs/acme', 'org_id'],
        ['profile', 'get', '/api/v1/eval/profiles/search', 'profile_id'],
        ['key revoke', 'post', '/api/v1/system/api-keys/abc/revoke', 'key_id'],
        ['uuid with junk', 'get', `/api/v1/agents/${agent.id}x`, 'agent_id'],
      ];
      for (const [, method, path, field] of cases) {
        const req = method === 'get' ? h.http.get(path) : h.http.post(path);
        const details = expectValidation(await req.set(bearer(g.api_key)), [field]);
        expect(details).toHaveLength(1);
      }
    });

    it('a path segment that cannot be decoded → 400 envelope', async () => {
      expectError(await h.http.get('/api/v1/agents/%ZZ').set(bearer(K.viewer)), 400, 'VALIDATION_ERROR');
    });

    it('wrong types, unknown fields and bad values on every write endpoint → 400', async () => {
      const cases: [string, string, Record<string, unknown>, string][] = [
        ['/api/v1/orgs', g.api_key, { name: 5 }, 'name'],
        ['/api/v1/orgs', g.api_key, { name: '  ' }, 'name'],
        ['/api/v1/orgs', g.api_key, { name: 'ok', plan: 'gold' }, 'plan'],
        ['/api/v1/system/api-keys', K.admin, { name: 'k', role: 'owner' }, 'role'],
        ['/api/v1/system/api-keys', K.admin, { name: 'k', role: 'viewer', org_id: 'acme' }, 'org_id'],
        ['/api/v1/system/api-keys', K.admin, { name: 'k', role: 'viewer', expires_at: 'tomorrow' }, 'expires_at'],
        ['/api/v1/system/api-keys', K.admin, { name: 'k', role: 'viewer', rate_limit_per_minute: -1 }, 'rate_limit_per_minute'],
        ['/api/v1/system/api-keys', K.admin, { name: 'k', role: 'viewer', rate_limit_per_minute: 'ten' }, 'rate_limit_per_minute'],
        ['/api/v1/system/api-keys', K.admin, { name: 'k', role: 'viewer', key_hash: 'abc' }, 'key_hash'],
        ['/api/v1/system/api-keys', K.admin, { name: '', role: 'viewer' }, 'name'],
        ['/api/v1/agents', K.member, { name: ['x'], agent_type: 'analysis' }, 'name'],
        ['/api/v1/agents', K.member, { name: 'x', agent_type: 'analysis', metadata: 5 }, 'metadata'],
      ];
      for (const [path, key, body, field] of cases) {
        expectValidation(await h.http.post(path).set(bearer(key)).send(body), [field]);
      }
    });

    it('bad list queries → 400 on every list endpoint', async () => {
      const lists: [string, string][] = [
        ['/api/v1/orgs', g.api_key],
        ['/api/v1/system/api-keys', K.admin],
        ['/api/v1/system/audit-logs', K.admin],
        ['/api/v1/agents', K.viewer],
        ['/api/v1/eval/profiles', K.viewer],
      ];
      for (const [path, key] of lists) {
        for (const q of ['limit=0', 'limit=abc', 'limit=1000', 'offset=-5', 'limit=1&limit=2']) {
          expectValidation(await h.http.get(`${path}?${q}`).set(bearer(key)), [q.startsWith('offset') ? 'offset' : 'limit']);
        }
        const page = expectSuccess(await h.http.get(path).set(bearer(key)), 200);
        expect(Object.keys(page).sort()).toEqual(['items', 'limit', 'offset', 'total']);
        expect(page).toMatchObject({ limit: 50, offset: 0 });
        expect(Array.isArray(page.items)).toBe(true);
        expect(page.total).toBeGreaterThanOrEqual(page.items.length);
        const one = expectSuccess(await h.http.get(`${path}?limit=1`).set(bearer(key)), 200);
        expect(one.items.length).toBe(Math.min(1, page.total));
        expect(one.total).toBe(page.total);
      }
      expectValidation(await h.http.get('/api/v1/system/audit-logs?status_code=abc').set(bearer(K.admin)), ['status_code']);
      expectValidation(await h.http.get('/api/v1/system/audit-logs?method=GET').set(bearer(K.admin)), ['method']);
      expectValidation(await h.http.get('/api/v1/system/api-keys?status=expired').set(bearer(K.admin)), ['status']);
    });
  });

  describe('health and metrics', () => {
    it('GET /health is public and answers the envelope with status ok', async () => {
      const res = await h.http.get('/health');
      const data = expectSuccess(res, 200);
      expect(data).toMatchObject({ status: 'ok', service: 'api' });
      expect(typeof data.uptime_seconds).toBe('number');
    });

    it('GET /health/ready reports postgres and redis up', async () => {
      const data = expectSuccess(await h.http.get('/health/ready'), 200);
      expect(data).toMatchObject({ status: 'ready', service: 'api', postgres: { status: 'up' }, redis: { status: 'up' } });
      expect(typeof data.postgres.latency_ms).toBe('number');
    });

    it('GET /metrics is public Prometheus text with per-route request counts', async () => {
      const before = (await h.http.get('/metrics')).text;
      const labels = { method: 'GET', route: '/api/v1/agents', status: '200' };
      const n0 = sample(before, 'greenlight_http_requests_total', labels);
      for (let i = 0; i < 3; i++) expectSuccess(await h.http.get('/api/v1/agents').set(bearer(K.viewer)), 200);
      await h.http.get(`/api/v1/agents/${agent.id}`).set(bearer(K.viewer)).expect(200);

      const res = await h.http.get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toContain('# TYPE greenlight_http_requests_total counter');
      expect(res.text).toContain('# TYPE greenlight_http_request_duration_seconds histogram');
      expect(sample(res.text, 'greenlight_http_requests_total', labels)).toBe(n0 + 3);
      // Routes are labelled by template, never by concrete id.
      expect(sample(res.text, 'greenlight_http_requests_total', { method: 'GET', route: '/api/v1/agents/:agent_id', status: '200' })).toBeGreaterThanOrEqual(1);
      expect(res.text).not.toContain(agent.id);
    });

    it('unknown paths do not become metric labels (bounded cardinality)', async () => {
      const marker = `zz-unknown-${Date.now()}`;
      await h.http.get(`/api/v1/${marker}`).expect(404);
      await h.http.get(`/${marker}`).expect(404);
      const text = (await h.http.get('/metrics')).text;
      expect(text).not.toContain(marker);
      expect(sample(text, 'greenlight_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(2);
    });
  });
});
