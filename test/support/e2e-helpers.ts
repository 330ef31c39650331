import { ApiHarness, bearer, uniqueName } from './harness';

/** What the assertions need of a response (supertest's or rawRequest's). */
export interface Res {
  status: number;
  headers: Record<string, any>;
  text: string;
  body: any;
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A syntactically valid UUID that names nothing. */
export const MISSING_UUID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Asserts the success envelope `{ data, meta: { request_id } }` and that meta matches X-Request-Id. */
export function expectSuccess(res: Res, status: number): any {
  if (res.status !== status) {
    throw new Error(`expected HTTP ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  }
  expect(Object.keys(res.body).sort()).toEqual(['data', 'meta']);
  expect(res.body.meta).toEqual({ request_id: res.headers['x-request-id'] });
  return res.body.data;
}

/** Asserts the error envelope with the given status and code; returns `error`. */
export function expectError(res: Res, status: number, code: string): { code: string; message: string; details: any } {
  if (res.status !== status || res.body?.error?.code !== code) {
    throw new Error(`expected HTTP ${status} ${code}, got ${res.status}: ${res.text?.slice(0, 500)}`);
  }
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(res.body).sort()).toEqual(['error', 'meta']);
  expect(Object.keys(res.body.error).sort()).toEqual(['code', 'details', 'message']);
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.message.length).toBeGreaterThan(0);
  expect(res.body.meta).toEqual({ request_id: res.headers['x-request-id'] });
  return res.body.error;
}

/** Asserts a VALIDATION_ERROR whose details name `fields` (each `{ field, messages: string[] }`). */
export function expectValidation(res: Res, fields: string[] = []): { field: string; messages: string[] }[] {
  const err = expectError(res, 400, 'VALIDATION_ERROR');
  expect(Array.isArray(err.details)).toBe(true);
  for (const d of err.details) {
    expect(Object.keys(d).sort()).toEqual(['field', 'messages']);
    expect(typeof d.field).toBe('string');
    expect(Array.isArray(d.messages)).toBe(true);
    expect(d.messages.length).toBeGreaterThan(0);
    for (const m of d.messages) expect(typeof m).toBe('string');
  }
  const named = err.details.map((d: { field: string }) => d.field);
  for (const f of fields) expect(named).toContain(f);
  return err.details;
}

export function agentBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: uniqueName('Agent'), agent_type: 'search_retrieval', ...overrides };
}

/** Creates an agent with `key` and returns its view. */
export async function createAgent(h: ApiHarness, key: string, overrides: Record<string, unknown> = {}): Promise<any> {
  const res = await h.http.post('/api/v1/agents').set(bearer(key)).send(agentBody(overrides));
  return expectSuccess(res, 201);
}

/** Creates an API key with `adminKey`; returns the creation view (id, api_key, ...). */
export async function createKey(
  h: ApiHarness,
  adminKey: string,
  body: { role: string; org_id?: string | null; name?: string; rate_limit_per_minute?: number | null; expires_at?: string },
): Promise<any> {
  const res = await h.http
    .post('/api/v1/system/api-keys')
    .set(bearer(adminKey))
    .send({ name: uniqueName('key'), ...body });
  return expectSuccess(res, 201);
}

/** The id of the API key whose plaintext is `plaintext`, found by its visible prefix in the key list. */
export async function keyIdOf(h: ApiHarness, adminKey: string, plaintext: string, orgId?: string): Promise<string> {
  const prefix = plaintext.split('_').slice(0, 2).join('_');
  const res = await h.http
    .get('/api/v1/system/api-keys')
    .query({ limit: 200, ...(orgId ? { org_id: orgId } : {}) })
    .set(bearer(adminKey));
  const data = expectSuccess(res, 200);
  const hits = data.items.filter((k: { key_prefix: string }) => k.key_prefix === prefix);
  if (hits.length !== 1) throw new Error(`expected one key with prefix ${prefix}, found ${hits.length}`);
  return hits[0].id;
}

/** Polls the audit log (as `adminKey`) for rows of `requestId` until `count` are there or `timeoutMs` passes. */
export async function waitForAudit(h: ApiHarness, adminKey: string, requestId: string, count = 1, timeoutMs = 2500): Promise<any[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await h.http.get('/api/v1/system/audit-logs').query({ request_id: requestId }).set(bearer(adminKey));
    const data = expectSuccess(res, 200);
    if (data.items.length >= count || Date.now() > deadline) return data.items;
    await sleep(40);
  }
}

/** A fresh request id a test can look up in the audit log. */
export function freshRequestId(label: string): string {
  return `e2e-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Waits until at least `marginSeconds` remain in the current clock minute (for windows aligned on the clock). */
export async function awayFromMinuteEdge(marginSeconds = 3): Promise<void> {
  const s = new Date().getSeconds();
  if (60 - s <= marginSeconds) await sleep((60 - s) * 1000 + 200);
}

/** A raw HTTP request to a listening server, for bodies and headers supertest would rewrite. */
export async function rawRequest(
  server: import('node:http').Server,
  opts: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<{ status: number; headers: import('node:http').IncomingHttpHeaders; text: string; body: any }> {
  const http = await import('node:http');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('server is not listening');
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: address.port, method: opts.method, path: opts.path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: any;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** An agent served at `agentUrl`, a golden set of `n` cases (`case <i> …` → `answer <i>`) and a pending run of them. */
export async function newRunOfCases(h: ApiHarness, keys: { member: string }, agentUrl: string, n: number): Promise<string> {
  const agentId = expectSuccess(
    await h.http
      .post('/api/v1/agents')
      .set(bearer(keys.member))
      .send(agentBody({ api_endpoint: agentUrl })),
    201,
  ).id;
  const cases = Array.from({ length: n }, (_, i) => ({ input: `case ${i} ${uniqueName('q')}`, expected_answer: `answer ${i}` }));
  const setId = expectSuccess(
    await h.http
      .post('/api/v1/golden-sets/upload')
      .set(bearer(keys.member))
      .send({ agent_id: agentId, name: uniqueName('S'), cases }),
    201,
  ).golden_set.id;
  return expectSuccess(await h.http.post('/api/v1/eval/runs').set(bearer(keys.member)).send({ agent_id: agentId, golden_set_id: setId }), 202).id;
}

/** Polls `probe` every 50 ms until it answers something truthy, which it returns; fails naming `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

export const isTerminalRun = (r: { status: string }) => ['completed', 'failed', 'cancelled'].includes(r.status);

/** Polls `GET /eval/runs/{id}` until `pred` holds; fails with the run's last state after `timeoutMs`. */
export async function waitForRun(h: ApiHarness, viewerKey: string, id: string, pred: (run: any) => boolean, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}`).set(bearer(viewerKey)), 200);
    if (pred(run)) return run;
    if (Date.now() > deadline)
      throw new Error(`run ${id} did not reach the state in time: ${JSON.stringify({ status: run.status, completed: run.completed_cases })}`);
    await sleep(100);
  }
}
