import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { runDemo } from '../scripts/demo';
import { DEMO_ORG_NAME, renewDemoKey } from '../scripts/demo-key';
import { startSampleAgent, SampleAgent } from '../scripts/sample-agent';
import { expectError, expectSuccess } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, startApi } from './support/harness';

const SAMPLES = join(__dirname, '..', 'samples');
/** The key's own limit: at the old fixed 200 ms polling it is used up within a few seconds. */
const KEY_LIMIT = 20;
/** 10 sample cases, one at a time: a run of about 30 s, well past the point where fixed polling hits 429. */
const AGENT_LATENCY_MS = 3_000;

/**
 * The quick start's demo and key, against the real api and worker: the demo's progress polling stays
 * inside the key's rate limit however long the run lasts, and each quick start retires the previous
 * demo key.
 */
describe('quick start demo', () => {
  let h: ApiHarness;
  let agent: SampleAgent;
  let base: string;

  beforeAll(async () => {
    agent = await startSampleAgent(0, AGENT_LATENCY_MS);
    h = await startApi({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', EVAL_WORKER_CONCURRENCY: '1' }, { worker: true });
    await h.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(h.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await h.close();
    await agent.close();
  });

  it('a demo run lasting ~30 s under a 20/min key limit completes: the poller paces itself instead of failing on 429', async () => {
    const admin = await globalAdmin(h.config);
    const limited = expectSuccess(
      await h.http
        .post('/api/v1/system/api-keys')
        .set(bearer(admin.api_key))
        .send({ name: 'demo, limited', role: 'admin', org_id: null, rate_limit_per_minute: KEY_LIMIT }),
      201,
    );
    const progress: number[] = [];
    const waits: number[] = [];
    const started = Date.now();
    const demo = await runDemo(base, limited.api_key, admin.org_id, agent.url, SAMPLES, (done) => progress.push(done), {
      deadlineMs: 120_000,
      onRateLimited: (ms) => waits.push(ms),
    });
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeGreaterThan(25);
    expect(demo.summary).toMatchObject({ total_cases: 10, result_count: 10, error_count: 0 });
    expect(demo.summary.pass_rate).toBeGreaterThan(0);
    expect(progress[progress.length - 1]).toBe(10);
    // Paced by RateLimit-Remaining, the demo should not even need a 429 to slow down.
    expect(waits).toEqual([]);
  }, 150_000);

  it('each renewal makes a new demo key and revokes the previous one (one active demo key, not one per start)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'greenlight-demo-'));
    const stateFile = join(dir, 'demo.json');
    try {
      const first = await renewDemoKey(h.config, stateFile);
      expect(first.revoked_previous).toBe(false);
      expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({ org_id: first.org_id, api_key: first.api_key });
      expect(statSync(stateFile).mode & 0o777).toBe(0o600);
      expectSuccess(await h.http.get('/api/v1/agents').set(bearer(first.api_key)), 200);

      const second = await renewDemoKey(h.config, stateFile);
      expect(second.org_id).toBe(first.org_id);
      expect(second.revoked_previous).toBe(true);
      expect(JSON.parse(readFileSync(stateFile, 'utf8')).api_key).toBe(second.api_key);
      expectError(await h.http.get('/api/v1/agents').set(bearer(first.api_key)), 401, 'UNAUTHORIZED');
      expectSuccess(await h.http.get('/api/v1/agents').set(bearer(second.api_key)), 200);

      // Of the demo org's bootstrap keys made here, only the newest is active.
      const keys = expectSuccess(await h.http.get('/api/v1/system/api-keys').query({ limit: 200 }).set(bearer(second.api_key)), 200);
      const prefixOf = (k: string) => k.split('_').slice(0, 2).join('_');
      const status = (k: string) => keys.items.find((i: { key_prefix: string }) => i.key_prefix === prefixOf(k))?.status;
      expect([status(first.api_key), status(second.api_key)]).toEqual(['revoked', 'active']);
      expect(keys.items.find((i: { key_prefix: string }) => i.key_prefix === prefixOf(first.api_key)).name).toContain(DEMO_ORG_NAME);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a state file with a key that is not a global key, or no file at all, revokes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'greenlight-demo-'));
    const stateFile = join(dir, 'demo.json');
    try {
      const admin = await globalAdmin(h.config);
      const orgKey = expectSuccess(
        await h.http.post('/api/v1/system/api-keys').set(bearer(admin.api_key)).send({ name: 'org key', role: 'viewer', org_id: admin.org_id }),
        201,
      );
      writeFileSync(stateFile, JSON.stringify({ api_key: orgKey.api_key }));
      const renewed = await renewDemoKey(h.config, stateFile);
      expect(renewed.revoked_previous).toBe(false);
      expectSuccess(await h.http.get(`/api/v1/orgs/${admin.org_id}`).set(bearer(orgKey.api_key)), 200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
