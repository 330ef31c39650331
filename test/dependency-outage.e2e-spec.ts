// While Postgres or Redis cannot be reached, the api answers at once with 503 SERVICE_UNAVAILABLE and
// a Retry-After hint (never a 500 that reads like a bug, never a request that hangs for the whole
// outage), and it serves normally as soon as the dependency is back. Each dependency is reached
// through a TCP proxy the test cuts.
import { randomUUID } from 'node:crypto';
import { agentBody, expectError, expectSuccess, Res, waitUntil } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';
import { startTcpProxy, TcpProxy } from './support/tcp-proxy';

function through(proxy: TcpProxy, url: string): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}

/** The response once it has `status` (else null, to poll again). */
async function answering(req: PromiseLike<Res>, status: number): Promise<Res | null> {
  const res = await req;
  return res.status === status ? res : null;
}

/** Asserts a prompt 503 naming the dependency, with a retry hint. */
function expectUnavailable(res: Res, dependency: 'postgres' | 'redis', startedAt: number): void {
  const err = expectError(res, 503, 'SERVICE_UNAVAILABLE');
  expect(err.details).toEqual({ dependency });
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(Date.now() - startedAt).toBeLessThan(6000);
}

describe('the api while Postgres is unreachable', () => {
  let h: ApiHarness;
  let proxy: TcpProxy;
  let keys: OrgKeys;

  beforeAll(async () => {
    const target = new URL(process.env.DATABASE_URL!);
    proxy = await startTcpProxy('127.0.0.1', Number(target.port || 5432));
    h = await startApi({ DATABASE_URL: through(proxy, process.env.DATABASE_URL!), DATABASE_POOL_SIZE: '4' });
    keys = await orgWithKeys(h, (await globalAdmin(h.config)).api_key);
  });
  afterAll(async () => {
    await h?.close();
    await proxy?.close();
  });

  it('answers reads and writes with 503 and Retry-After, then recovers without a restart', async () => {
    expectSuccess(await h.http.get('/api/v1/agents').set(bearer(keys.viewer)), 200);
    await proxy.cut();
    for (const send of [
      () => h.http.get('/api/v1/agents').set(bearer(keys.viewer)),
      () => h.http.post('/api/v1/agents').set(bearer(keys.member)).set('Idempotency-Key', randomUUID()).send(agentBody()),
      () => h.http.get('/api/v1/eval/runs').set(bearer(keys.viewer)),
    ]) {
      const started = Date.now();
      expectUnavailable(await send(), 'postgres', started);
    }
    await proxy.restore();
    const res = await waitUntil('the api to read from Postgres again', () => answering(h.http.get('/api/v1/agents').set(bearer(keys.viewer)), 200), 15_000);
    expectSuccess(res, 200);
  });
});

describe('the api while Redis is unreachable', () => {
  let h: ApiHarness;
  let proxy: TcpProxy;
  let keys: OrgKeys;
  let runId: string;

  beforeAll(async () => {
    const target = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    proxy = await startTcpProxy('127.0.0.1', Number(target.port || 6379));
    h = await startApi({ REDIS_URL: through(proxy, process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'), REDIS_COMMAND_TIMEOUT_MS: '2000' });
    keys = await orgWithKeys(h, (await globalAdmin(h.config)).api_key);
    const agent = expectSuccess(await h.http.post('/api/v1/agents').set(bearer(keys.member)).send(agentBody()), 201);
    const set = expectSuccess(
      await h.http
        .post('/api/v1/golden-sets/upload')
        .set(bearer(keys.member))
        .send({ agent_id: agent.id, name: uniqueName('S'), cases: [{ input: 'q', expected_answer: 'a' }] }),
      201,
    );
    runId = expectSuccess(
      await h.http.post('/api/v1/eval/runs').set(bearer(keys.member)).send({ agent_id: agent.id, golden_set_id: set.golden_set.id }),
      202,
    ).id;
  });
  afterAll(async () => {
    await h?.close();
    await proxy?.close();
  });

  it('answers requests that need Redis with a prompt 503, serves the rest, and recovers', async () => {
    await proxy.cut();
    let started = Date.now();
    expectUnavailable(await h.http.post(`/api/v1/eval/runs/${runId}/start`).set(bearer(keys.member)), 'redis', started);
    started = Date.now();
    expectUnavailable(await h.http.get('/api/v1/system/queue/stats').set(bearer(keys.admin)), 'redis', started);
    // What needs only Postgres keeps working.
    expectSuccess(await h.http.get(`/api/v1/eval/runs/${runId}`).set(bearer(keys.viewer)), 200);
    // The refused start did not leave the run half-started.
    expect(expectSuccess(await h.http.get(`/api/v1/eval/runs/${runId}`).set(bearer(keys.viewer)), 200).status).toBe('pending');

    await proxy.restore();
    const res = await waitUntil(
      'the api to reach Redis again',
      () => answering(h.http.post(`/api/v1/eval/runs/${runId}/start`).set(bearer(keys.member)), 202),
      15_000,
    );
    expectSuccess(res, 202);
  });
});
