import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startTestAgent, TestAgent } from './support/agent-server';
import { expectSuccess, isTerminalRun, sleep, waitForRun, createAgent } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';
import { startTcpProxy, TcpProxy } from './support/tcp-proxy';

const WORKER_MAIN = join(__dirname, '..', 'dist', 'apps', 'worker', 'src', 'main.js');
const CASES = 300;

/**
 * The core promise of async runs: whatever kills a worker (SIGKILL at random moments) or cuts it off
 * from Redis for a while, every case ends with exactly one result and the run with one terminal state.
 * Workers run as real processes of the built app (`npm test` builds first).
 */
describe('crash safety of async runs', () => {
  let h: ApiHarness;
  let o: OrgKeys;
  let agent: TestAgent;
  let proxy: TcpProxy;
  const workers = new Set<ChildProcess>();

  function spawnWorker(redisUrl: string): ChildProcess {
    const child = spawn(process.execPath, [WORKER_MAIN], {
      env: {
        ...process.env,
        REDIS_URL: redisUrl,
        WORKER_PORT: '0', // any free port: several workers run at once
        LOG_LEVEL: 'error',
        OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
        EVAL_WORKER_CHUNK_SIZE: '10',
        EVAL_WORKER_CONCURRENCY: '8',
        EVAL_WORKER_LOCK_MS: '2000',
        EVAL_WORKER_BACKOFF_MS: '100',
        EVAL_WORKER_MAX_BACKOFF_MS: '1000',
        EVAL_WORKER_ATTEMPTS: '20',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    workers.add(child);
    child.on('exit', () => workers.delete(child));
    return child;
  }

  beforeAll(async () => {
    agent = await startTestAgent((input) => ({ body: { output: `answer to ${input}` }, delay_ms: 30 }));
    proxy = await startTcpProxy('127.0.0.1', Number(new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').port || 6379));
    h = await startApi({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    o = await orgWithKeys(h, (await globalAdmin(h.config)).api_key);
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await h.close();
    await agent.close();
    await proxy.close();
  });

  /** A started run of CASES cases, each executed `trials` times. */
  async function startRun(trials = 1): Promise<string> {
    const agentId = (await createAgent(h, o.member, { api_endpoint: agent.url })).id;
    const cases = Array.from({ length: CASES }, (_, i) => ({ input: `question ${i}`, expected_answer: `answer to question ${i}` }));
    const setId = expectSuccess(
      await h.http
        .post('/api/v1/golden-sets/upload')
        .set(bearer(o.member))
        .send({ agent_id: agentId, name: uniqueName('S'), cases }),
      201,
    ).golden_set.id;
    const body = trials === 1 ? { agent_id: agentId, golden_set_id: setId } : { agent_id: agentId, golden_set_id: setId, trials };
    const runId = expectSuccess(await h.http.post('/api/v1/eval/runs').set(bearer(o.member)).send(body), 202).id;
    expectSuccess(await h.http.post(`/api/v1/eval/runs/${runId}/start`).set(bearer(o.member)), 202);
    return runId;
  }

  async function run(id: string) {
    return expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}`).set(bearer(o.viewer)), 200);
  }

  const waitTerminal = (id: string, timeoutMs: number) => waitForRun(h, o.viewer, id, isTerminalRun, timeoutMs);

  /** Every (case, trial) of the run has exactly one result and one artifact, and the run one terminal event. */
  async function assertExactlyOnce(id: string, trials = 1) {
    const n = CASES * trials;
    const finished = await run(id);
    expect(finished).toMatchObject({ status: 'completed', completed_cases: n, total_cases: n });
    const summary = expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}/summary`).set(bearer(o.viewer)), 200);
    expect(summary).toMatchObject({ result_count: n, error_count: 0, answer: { correct: n } });
    const artifacts = expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}/artifacts?limit=1`).set(bearer(o.viewer)), 200);
    expect(artifacts.total).toBe(n);
    const [pairs] = await h.app
      .get(DataSource)
      .query(
        `SELECT count(DISTINCT (case_id, trial))::int AS pairs, count(DISTINCT case_id)::int AS cases, min(trial)::int AS lo, max(trial)::int AS hi FROM eval_results WHERE run_id = $1`,
        [id],
      );
    expect(pairs).toEqual({ pairs: n, cases: CASES, lo: 1, hi: trials });
    const events = expectSuccess(await h.http.get(`/api/v1/eval/runs/${id}/events?limit=200`).set(bearer(o.viewer)), 200);
    const terminal = events.items.filter((e: { event_type: string }) => ['run_completed', 'run_failed', 'run_cancelled'].includes(e.event_type));
    expect(terminal.map((e: { event_type: string }) => e.event_type)).toEqual(['run_completed']);
  }

  /** Starts a run of `trials` trials per case and SIGKILLs its worker at three random moments. */
  async function killThreeTimes(trials: number): Promise<void> {
    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    let current = spawnWorker(redisUrl);
    const id = await startRun(trials);
    let kills = 0;
    while (kills < 3) {
      await sleep(400 + Math.floor(Math.random() * 900)); // a random moment to kill at, by design
      const r = await run(id);
      if (r.status !== 'pending' && r.status !== 'running') break;
      current.kill('SIGKILL');
      kills++;
      current = spawnWorker(redisUrl);
    }
    expect(kills).toBe(3);
    await waitTerminal(id, 120_000);
    await assertExactlyOnce(id, trials);
    current.kill('SIGTERM');
  }

  it('SIGKILL of the worker at three random moments: every case has exactly one result', async () => {
    await killThreeTimes(1);
  }, 180_000);

  it('SIGKILL mid-run with three trials per case: every (case, trial) has exactly one result', async () => {
    await killThreeTimes(3);
  }, 180_000);

  it('Redis unreachable for a few seconds mid-run: the run still completes exactly once', async () => {
    const worker = spawnWorker(`redis://127.0.0.1:${proxy.port}`);
    const id = await startRun();
    await waitForRun(h, o.viewer, id, (r) => r.completed_cases >= 30, 30_000);
    await proxy.cut();
    await sleep(3_000); // the outage itself: three seconds without Redis
    await proxy.restore();
    await waitTerminal(id, 120_000);
    await assertExactlyOnce(id);
    worker.kill('SIGTERM');
  }, 180_000);
});
