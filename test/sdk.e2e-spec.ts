import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { GreenlightApiError, GreenlightClient, GreenlightTransportError, RequestInfo, ResponseInfo, RetryInfo } from '../packages/sdk/src';
import { canonicalOpenApiJson, OPENAPI_FILE, openApiDifferences } from '../scripts/openapi-document';
import { startTestAgent, TestAgent } from './support/agent-server';
import { startDropResponseProxy } from './support/drop-response-proxy';
import { UUID_RE } from './support/e2e-helpers';
import { ApiHarness, OrgKeys, serveApi, uniqueName } from './support/harness';
import { ScriptedServer, startScriptedServer } from './support/scripted-server';

/** Every hook call of a client, to check what the hooks are told (and what they are not). */
function recorder() {
  const calls: { hook: string; info: RequestInfo | ResponseInfo | RetryInfo }[] = [];
  return {
    calls,
    hooks: {
      onRequest: (info: RequestInfo) => calls.push({ hook: 'request', info }),
      onResponse: (info: ResponseInfo) => calls.push({ hook: 'response', info }),
      onRetry: (info: RetryInfo) => calls.push({ hook: 'retry', info }),
    },
  };
}

describe('SDK against the real api', () => {
  let h: ApiHarness;
  let url: string;
  let keys: OrgKeys;
  let agent: TestAgent;
  let wrong = new Set<number>();
  const client = (key: string, extra: ConstructorParameters<typeof GreenlightClient>[0] = {}) =>
    new GreenlightClient({ apiKey: key, baseUrl: url, backoff: { baseDelayMs: 20, maxDelayMs: 200 }, ...extra });

  beforeAll(async () => {
    agent = await startTestAgent((input) => {
      const i = Number(/item (\d+)/.exec(input)?.[1] ?? -1);
      return { body: { output: wrong.has(i) ? 'No idea.' : `Item ${i} is a widget.` } };
    });
    ({ h, url, keys } = await serveApi());
  });
  afterAll(async () => {
    await h.close();
    await agent.close();
  });

  it('the committed openapi.json is what the app serves at /docs-json', async () => {
    const served = (await h.http.get('/docs-json').expect(200)).body;
    const committed = readFileSync(OPENAPI_FILE, 'utf8');
    // Same content and key order (Prettier's line breaks aside: the file is formatted by openapi:write).
    const fresh = JSON.stringify(JSON.parse(canonicalOpenApiJson(served)));
    if (fresh !== JSON.stringify(JSON.parse(committed))) {
      const lines = openApiDifferences(JSON.parse(committed), JSON.parse(fresh));
      throw new Error(`openapi.json is not what the api serves (run npm run openapi:write):\n${lines.join('\n') || 'key order only'}`);
    }
  });

  it('paginates over several pages, each item once', async () => {
    const sdk = client(keys.member);
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await sdk.agents.create({ name: uniqueName('Paged'), agent_type: 'search_retrieval' })).id);
    const rec = recorder();
    const reader = client(keys.viewer, { hooks: rec.hooks });
    const seen: string[] = [];
    for await (const a of reader.agents.iterate({}, { limit: 2 })) seen.push(a.id);
    expect(seen.sort()).toEqual([...created].sort());
    const pages = rec.calls.filter((c) => c.hook === 'request').map((c) => c.info.path);
    expect(pages).toEqual(['/api/v1/agents?limit=2&offset=0', '/api/v1/agents?limit=2&offset=2', '/api/v1/agents?limit=2&offset=4']);
    const first = await reader.agents.list({ limit: 2 });
    expect(first).toMatchObject({ limit: 2, offset: 0, total: 5 });
    expect(first.items).toHaveLength(2);
  });

  it('a write whose answer was lost is retried with the same Idempotency-Key and creates one resource', async () => {
    const proxy = await startDropResponseProxy(url);
    try {
      proxy.dropNextResponses('POST', 1);
      const rec = recorder();
      const sdk = client(keys.member, { baseUrl: proxy.url, hooks: rec.hooks });
      const name = uniqueName('Once');
      const created = await sdk.agents.create({ name, agent_type: 'analysis' });
      expect(created.name).toBe(name);
      // the api did the write the first time; the retry got the stored answer back
      expect(proxy.log.map((l) => [l.method, l.status, l.dropped, l.replayed])).toEqual([
        ['POST', 201, true, false],
        ['POST', 201, false, true],
      ]);
      expect(proxy.log[0].idempotencyKey).toMatch(/^sdk-[0-9a-f-]{36}$/);
      expect(proxy.log[1].idempotencyKey).toBe(proxy.log[0].idempotencyKey);
      expect(rec.calls.filter((c) => c.hook === 'retry').map((c) => (c.info as RetryInfo).reason)).toEqual(['network']);
      expect(rec.calls.filter((c) => c.hook === 'response').map((c) => (c.info as ResponseInfo).replayed)).toEqual([true]);
      const rows = await h.app.get(DataSource).query(`SELECT id FROM agents WHERE name = $1`, [name]);
      expect(rows.map((r: { id: string }) => r.id)).toEqual([created.id]);
      // a second call is another write: a new key
      await sdk.agents.create({ name: uniqueName('Twice'), agent_type: 'analysis' });
      expect(proxy.log[2].idempotencyKey).not.toBe(proxy.log[0].idempotencyKey);
    } finally {
      await proxy.close();
    }
  });

  it('errors are typed, with the code, message, details and request id of the envelope', async () => {
    const bad = client('gl_00000000_not-a-real-key', { maxRetries: 0 });
    const unauthorized = await bad.agents.list().catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(GreenlightApiError);
    expect(unauthorized).toMatchObject({ status: 401, code: 'UNAUTHORIZED', attempts: 1 });
    expect((unauthorized as GreenlightApiError).requestId).toMatch(UUID_RE);
    expect((unauthorized as GreenlightApiError).message).toContain((unauthorized as GreenlightApiError).requestId);

    const sdk = client(keys.member);
    const missing = (await sdk.agents.get('7c9e6679-7425-40de-944b-e07fc1f90ae7').catch((e: unknown) => e)) as GreenlightApiError;
    expect(missing).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(missing.requestId).toMatch(UUID_RE);

    const invalid = (await sdk.agents.create({ name: '', agent_type: 'nope' as 'analysis' }).catch((e: unknown) => e)) as GreenlightApiError;
    expect(invalid).toMatchObject({ status: 400, code: 'VALIDATION_ERROR', attempts: 1 });
    expect((invalid.details as { field: string }[]).map((d) => d.field)).toEqual(expect.arrayContaining(['agent_type']));

    const forbidden = (await client(keys.viewer)
      .agents.create({ name: uniqueName('No'), agent_type: 'analysis' })
      .catch((e: unknown) => e)) as GreenlightApiError;
    expect(forbidden).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });

  it('upload → run (start, poll) → summary and results → compare → promote → launch gate → queue stats', async () => {
    const sdk = client(keys.member);
    const CASES = 10;
    const a = await sdk.agents.create({ name: uniqueName('Flow'), agent_type: 'search_retrieval', api_endpoint: agent.url });
    const csv = ['question,expected_answer', ...Array.from({ length: CASES }, (_, i) => `What is item ${i}?,Item ${i} is a widget.`)].join('\n');
    const uploaded = await sdk.goldenSets.uploadFile({ agent_id: a.id, name: uniqueName('Set'), format: 'csv', filename: 'cases.csv', content: csv });
    const setId = uploaded.golden_set.id;
    expect(uploaded.validation_report).toMatchObject({ accepted_rows: CASES, rejected_rows: 0 });

    const runToEnd = async () => {
      const run = await sdk.evalRuns.create({ agent_id: a.id, golden_set_id: setId });
      await sdk.evalRuns.start(run.id);
      const progress: number[] = [];
      const done = await sdk.evalRuns.wait(run.id, { intervalMs: 100, timeoutMs: 30_000, onProgress: (r) => progress.push(r.completed_cases) });
      expect(progress[progress.length - 1]).toBe(CASES);
      return done;
    };
    wrong = new Set();
    const baseline = await runToEnd();
    expect(baseline.status).toBe('completed');
    wrong = new Set([0, 1, 2, 3, 4, 5, 6]); // 7 of 10 regress: p = 2/2^7 < 0.05
    const candidate = await runToEnd();

    const summary = await sdk.evalRuns.summary(candidate.id);
    expect(summary.run_id ?? candidate.id).toBe(candidate.id);
    const results = [];
    for await (const r of sdk.evalRuns.iterateResults(candidate.id, {}, { limit: 4 })) results.push(r);
    expect(results).toHaveLength(CASES);
    expect(results.filter((r) => r.passed === false)).toHaveLength(7);

    const compare = await sdk.compare.create({ baseline_run_id: baseline.id, candidate_run_id: candidate.id });
    expect(compare.verdict).toBe('regressed');
    expect((await sdk.compare.get(compare.id!)).id).toBe(compare.id);

    const promoted = await sdk.registry.promote(a.id, { candidate_run_id: baseline.id });
    expect(promoted.entry).toMatchObject({ kind: 'baseline', run_id: baseline.id, is_active: true });
    const blocked = (await sdk.registry.promote(a.id, { candidate_run_id: candidate.id }).catch((e: unknown) => e)) as GreenlightApiError;
    expect(blocked).toMatchObject({ status: 409, code: 'RUN_REGISTRY_PROMOTION_BLOCKED' });

    const gate = await sdk.launch.gate(a.id);
    expect(['pass', 'blocked']).toContain(gate.status);
    expect(gate.agent_id).toBe(a.id);

    const stats = await client(keys.admin).queue.stats();
    expect(Array.isArray(stats.queues)).toBe(true);
  });
});

describe('SDK retries against a scripted server', () => {
  let server: ScriptedServer;
  const KEY = 'gl_abcdef12_supersecretvalue';
  const make = (extra: ConstructorParameters<typeof GreenlightClient>[0] = {}) =>
    new GreenlightClient({ apiKey: KEY, baseUrl: server.url, backoff: { baseDelayMs: 20, maxDelayMs: 100 }, ...extra });
  const ok = { status: 200, body: { data: { id: 'x' }, meta: { request_id: 'r-ok' } } };
  const failure = (status: number, code: string, message = 'no') => ({
    status,
    body: { error: { code, message, details: null }, meta: { request_id: `r-${status}` } },
  });

  beforeAll(async () => {
    server = await startScriptedServer();
  });
  beforeEach(() => {
    server.seen.length = 0;
    server.script([], ok);
  });
  afterAll(() => server.close());

  it('429 with Retry-After in seconds is waited for, then the call succeeds', async () => {
    server.script([{ ...failure(429, 'RATE_LIMITED'), headers: { 'retry-after': '1' } }]);
    const rec = recorder();
    const started = Date.now();
    const data = await make({ hooks: rec.hooks }).request('get', '/api/v1/agents/{agent_id}', { path: { agent_id: 'a1' } });
    expect(data).toEqual({ id: 'x' });
    expect(server.seen).toHaveLength(2);
    const gap = server.seen[1].at - server.seen[0].at;
    expect(gap).toBeGreaterThanOrEqual(950);
    expect(gap).toBeLessThan(2500);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(rec.calls.filter((c) => c.hook === 'retry').map((c) => [(c.info as RetryInfo).reason, (c.info as RetryInfo).delayMs])).toEqual([['429', 1000]]);
  });

  it('429 with Retry-After as an HTTP date is honoured too', async () => {
    // HTTP dates have whole seconds: two seconds ahead waits between one and two
    server.script([{ ...failure(429, 'RATE_LIMITED'), headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() } }]);
    await make().agents.get('a1');
    const gap = server.seen[1].at - server.seen[0].at;
    expect(gap).toBeGreaterThanOrEqual(900);
    expect(gap).toBeLessThan(2600);
  });

  it('a Retry-After longer than the client will wait is not waited for', async () => {
    server.script([{ ...failure(429, 'RATE_LIMITED'), headers: { 'retry-after': '3600' } }]);
    const err = (await make()
      .agents.get('a1')
      .catch((e: unknown) => e)) as GreenlightApiError;
    expect(err).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfterMs: 3_600_000, attempts: 1 });
    expect(server.seen).toHaveLength(1);
  });

  it('503 then success; a write keeps its Idempotency-Key across attempts', async () => {
    server.script([failure(503, 'SERVICE_UNAVAILABLE'), failure(502, 'HTTP_502')]);
    const data = await make().agents.create({ name: 'n', agent_type: 'analysis' });
    expect(data).toEqual({ id: 'x' });
    expect(server.seen.map((s) => s.method)).toEqual(['POST', 'POST', 'POST']);
    const keys = server.seen.map((s) => s.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^sdk-/);
    expect(new Set(keys).size).toBe(1);
    expect(JSON.parse(server.seen[2].body)).toEqual({ name: 'n', agent_type: 'analysis' });
    expect(server.seen[0].headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('a caller-given Idempotency-Key is sent as is; reads carry none', async () => {
    await make().agents.create({ name: 'n', agent_type: 'analysis' }, { idempotencyKey: 'deploy-42-create-agent' });
    await make().agents.get('a1');
    expect(server.seen.map((s) => s.headers['idempotency-key'])).toEqual(['deploy-42-create-agent', undefined]);
  });

  it('a write sent without an Idempotency-Key is not retried on 5xx (it may have been done)', async () => {
    server.script([failure(503, 'SERVICE_UNAVAILABLE')]);
    const err = await make()
      .agents.create({ name: 'n', agent_type: 'analysis' }, { idempotencyKey: false })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', attempts: 1 });
    expect(server.seen[0].headers['idempotency-key']).toBeUndefined();
  });

  it('IDEMPOTENCY_IN_PROGRESS (the first attempt still running) is waited out', async () => {
    server.script([failure(409, 'IDEMPOTENCY_IN_PROGRESS')]);
    await expect(make().agents.create({ name: 'n', agent_type: 'analysis' })).resolves.toEqual({ id: 'x' });
    expect(server.seen).toHaveLength(2);
  });

  it('a dropped connection is retried, then the call succeeds', async () => {
    server.script([{ drop: true }, { drop: true }]);
    const rec = recorder();
    await expect(make({ hooks: rec.hooks }).agents.get('a1')).resolves.toEqual({ id: 'x' });
    expect(server.seen).toHaveLength(3);
    expect(rec.calls.filter((c) => c.hook === 'retry').map((c) => (c.info as RetryInfo).reason)).toEqual(['network', 'network']);
  });

  it('connection refused is a transport error after the retries', async () => {
    const closed = await startScriptedServer();
    const deadUrl = closed.url;
    await closed.close();
    const err = (await new GreenlightClient({ apiKey: KEY, baseUrl: deadUrl, maxRetries: 2, backoff: { baseDelayMs: 5 } }).agents
      .get('a1')
      .catch((e: unknown) => e)) as GreenlightTransportError;
    expect(err).toBeInstanceOf(GreenlightTransportError);
    expect(err).toMatchObject({ kind: 'network', attempts: 3 });
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('a timeout is a transport error; a per-call timeout and retry count override the client', async () => {
    server.script([{ hang: true }, { hang: true }]);
    const started = Date.now();
    const err = (await make({ timeoutMs: 10_000 })
      .agents.get('a1', { timeoutMs: 150, maxRetries: 1 })
      .catch((e: unknown) => e)) as GreenlightTransportError;
    expect(err).toBeInstanceOf(GreenlightTransportError);
    expect(err).toMatchObject({ kind: 'timeout', attempts: 2 });
    expect(server.seen).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('when the retries run out, the last error is thrown', async () => {
    server.script([failure(503, 'SERVICE_UNAVAILABLE', 'first'), failure(500, 'INTERNAL_ERROR', 'second'), failure(503, 'SERVICE_UNAVAILABLE', 'third')]);
    const err = (await make({ maxRetries: 2 })
      .agents.get('a1')
      .catch((e: unknown) => e)) as GreenlightApiError;
    expect(err).toBeInstanceOf(GreenlightApiError);
    expect(err).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', apiMessage: 'third', requestId: 'r-503', attempts: 3 });
    expect(server.seen).toHaveLength(3);
  });

  it('4xx other than 429 is not retried; an error without our envelope still gets a code', async () => {
    server.script([{ status: 502, body: '<html>bad gateway</html>' }], failure(404, 'NOT_FOUND'));
    const err = (await make({ maxRetries: 1 })
      .agents.get('a1')
      .catch((e: unknown) => e)) as GreenlightApiError;
    expect(err).toMatchObject({ status: 404, code: 'NOT_FOUND', attempts: 2 });
    server.seen.length = 0;
    server.script([{ status: 502, body: '<html>bad gateway</html>' }]);
    const raw = (await make({ maxRetries: 0 })
      .agents.get('a1')
      .catch((e: unknown) => e)) as GreenlightApiError;
    expect(raw).toMatchObject({ status: 502, code: 'HTTP_502', requestId: 'scripted-1' });
  });

  it('logging hooks are never told the API key or a body, and a throwing hook changes nothing', async () => {
    server.script([failure(503, 'SERVICE_UNAVAILABLE')]);
    const rec = recorder();
    await make({
      hooks: {
        onRequest: (i) => {
          rec.hooks.onRequest(i);
          throw new Error('hook failure');
        },
        onResponse: rec.hooks.onResponse,
        onRetry: rec.hooks.onRetry,
      },
    }).agents.create({ name: 'secret-body-value', agent_type: 'analysis' });
    const told = JSON.stringify(rec.calls);
    expect(rec.calls.map((c) => c.hook)).toEqual(['request', 'response', 'retry', 'request', 'response']);
    expect(told).not.toContain('supersecretvalue');
    expect(told).not.toContain('secret-body-value');
    expect(told).not.toMatch(/authorization/i);
    expect(rec.calls[1].info).toMatchObject({ method: 'POST', path: '/api/v1/agents', attempt: 1, status: 503, requestId: 'scripted-1' });
  });
});
