import { startTestAgent, TestAgent } from './support/agent-server';
import { createAgent, expectError, expectSuccess, expectValidation, isTerminalRun, waitForRun } from './support/e2e-helpers';
import { FakeOpenAi, FakeOpenAiReply, errorReply, startFakeOpenAi, verdictReply } from './support/fake-openai-server';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';
import { ProcessGroup, WORKER_MAIN } from './support/processes';

/**
 * Rate limits shared by every worker process: two real worker processes (the built app) on this
 * file's Redis prefix and database run the cases; a local OpenAI-compatible server and a local agent
 * record when each call arrives. The judge window is shortened to WINDOW_MS for the test.
 */
const WINDOW_MS = 2000;
const RPM = 8;
const LIMITED_MODEL = 'judge-limited';
const PAUSED_MODEL = 'judge-paused';
const RETRY_AFTER_S = 2;
const AGENT_PER_SECOND = 5;

/** The most of `times` that fall within any span of `span` ms (half-open), anywhere in time. */
function busiestSpan(times: number[], span: number): number {
  const t = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] >= span) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

const good = { answer_correct: true, source_correct: null, quality_score: 5, criteria_scores: null, issue_tags: [], reasoning: 'matches' };

describe('rate limits shared by every worker', () => {
  const group = new ProcessGroup();
  let h: ApiHarness;
  let o: OrgKeys;
  let fake: FakeOpenAi;
  let agent: TestAgent;
  const agentArrivals: number[] = [];
  /** Answers a judge request; the test of the pause swaps it. */
  let judge: (model: string, index: number) => FakeOpenAiReply = () => verdictReply(good);

  beforeAll(async () => {
    fake = await startFakeOpenAi((req, index) => judge(String(req.body?.model), index));
    agent = await startTestAgent(() => {
      agentArrivals.push(Date.now());
      return { body: { output: 'Paris' }, delay_ms: 20 };
    });
    const shared = {
      OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
      OPENAI_API_KEY: 'sk-test-not-a-real-key',
      EVAL_JUDGE_TIMEOUT_MS: '5000',
      EVAL_JUDGE_MAX_RETRIES: '3',
    };
    h = await startApi({ ...shared, OPENAI_BASE_URL: fake.url });
    o = await orgWithKeys(h, (await globalAdmin(h.config)).api_key);
    for (const label of ['w1', 'w2']) {
      group.spawnApp(WORKER_MAIN, {
        ...shared,
        // each worker reaches the provider under its own path, so the server can tell them apart
        OPENAI_BASE_URL: fake.urlFor(label),
        WORKER_PORT: '0',
        JUDGE_RATE_LIMITS: JSON.stringify({ [LIMITED_MODEL]: { rpm: RPM } }),
        THROTTLE_WINDOW_MS: String(WINDOW_MS),
        THROTTLE_GUARD_MS: '250',
        AGENT_LIMIT_CACHE_MS: '1000',
        EVAL_WORKER_CHUNK_SIZE: '3',
        EVAL_WORKER_CONCURRENCY: '6',
        EVAL_WORKER_BACKOFF_MS: '100',
        EVAL_WORKER_MAX_BACKOFF_MS: '500',
      });
    }
  });
  afterAll(async () => {
    await group.killAll();
    await h?.close();
    await agent?.close();
    await fake?.close();
  });

  /** A started run of `n` cases against the recording agent (or `agentId`), with `extra` run options. */
  async function startRun(n: number, extra: Record<string, unknown>, agentId?: string): Promise<string> {
    const id = agentId ?? (await createAgent(h, o.member, { api_endpoint: agent.url })).id;
    const cases = Array.from({ length: n }, (_, i) => ({ input: `Capital of France? (${i} ${uniqueName('q')})`, expected_answer: 'Paris' }));
    const setId = expectSuccess(
      await h.http
        .post('/api/v1/golden-sets/upload')
        .set(bearer(o.member))
        .send({ agent_id: id, name: uniqueName('S'), cases }),
      201,
    ).golden_set.id;
    const runId = expectSuccess(
      await h.http
        .post('/api/v1/eval/runs')
        .set(bearer(o.member))
        .send({ agent_id: id, golden_set_id: setId, ...extra }),
      202,
    ).id;
    expectSuccess(await h.http.post(`/api/v1/eval/runs/${runId}/start`).set(bearer(o.member)), 202);
    return runId;
  }

  /** The run's per-case artifacts (execution traces among them). */
  async function artifacts(runId: string): Promise<any[]> {
    const out: any[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = await h.http.get(`/api/v1/eval/runs/${runId}/artifacts?limit=100&offset=${offset}`).set(bearer(o.viewer));
      const rows: any[] = expectSuccess(page, 200).items;
      out.push(...rows);
      if (rows.length < 100) return out;
    }
  }

  it(`the judge model's requests per window hold across both workers: never more than ${RPM} in any ${WINDOW_MS} ms`, async () => {
    const CASES = 40;
    const runId = await startRun(CASES, { judge_mode: 'provider', judge_model: LIMITED_MODEL });
    const run = await waitForRun(h, o.viewer, runId, isTerminalRun, 90_000);
    expect(run.status).toBe('completed');
    expect(run.result_count).toBe(CASES);

    const sent = fake.requests.filter((r) => r.body?.model === LIMITED_MODEL);
    expect(sent.length).toBeGreaterThanOrEqual(CASES);
    // both worker processes called the provider
    expect(new Set(sent.map((r) => r.label))).toEqual(new Set(['w1', 'w2']));
    const arrivals = sent.map((r) => r.at);
    expect(busiestSpan(arrivals, WINDOW_MS)).toBeLessThanOrEqual(RPM);
    // the limit is what held the calls back: windows were full, and the run took as long as the limit demands
    expect(busiestSpan(arrivals, WINDOW_MS)).toBe(RPM);
    expect(Math.max(...arrivals) - Math.min(...arrivals)).toBeGreaterThanOrEqual((Math.ceil(CASES / RPM) - 1) * WINDOW_MS);
    // cases whose judge call waited say how long in their execution trace
    const waited = (await artifacts(runId)).map((r) => r.execution_trace?.judge_rate_limit_wait_ms).filter((ms) => typeof ms === 'number');
    expect(waited.length).toBeGreaterThan(CASES / 2);
    expect(Math.max(...waited)).toBeGreaterThanOrEqual(WINDOW_MS / 2);
  });

  it(`a provider 429 with Retry-After: ${RETRY_AFTER_S} pauses the model for both workers, and the run still completes`, async () => {
    let pausedAt = 0;
    let refused = '';
    let seen = 0;
    judge = (model, index) => {
      if (model !== PAUSED_MODEL) return verdictReply(good);
      seen += 1;
      if (seen !== 8) return { ...verdictReply(good), delayMs: 30 };
      pausedAt = Date.now();
      refused = fake.requests[index].raw;
      return errorReply(429, 'Rate limit reached', 'requests', 'rate_limit_exceeded', { 'retry-after': String(RETRY_AFTER_S) });
    };
    const CASES = 30;
    const runId = await startRun(CASES, { judge_mode: 'provider', judge_model: PAUSED_MODEL });
    const run = await waitForRun(h, o.viewer, runId, isTerminalRun, 90_000);
    expect(run.status).toBe('completed');
    expect(run.result_count).toBe(CASES);
    expect(pausedAt).toBeGreaterThan(0);

    const sent = fake.requests.filter((r) => r.body?.model === PAUSED_MODEL);
    const pauseEnds = pausedAt + RETRY_AFTER_S * 1000;
    // Calls already on their way when the 429 left the server may still arrive just after it.
    const during = sent.filter((r) => r.at > pausedAt + 150 && r.at < pauseEnds);
    expect(during.map((r) => ({ label: r.label, after_ms: r.at - pausedAt }))).toEqual([]);
    // both workers were calling before the pause and called again after it
    expect(new Set(sent.filter((r) => r.at < pausedAt).map((r) => r.label))).toEqual(new Set(['w1', 'w2']));
    expect(new Set(sent.filter((r) => r.at >= pauseEnds).map((r) => r.label))).toEqual(new Set(['w1', 'w2']));
    // the refused call was tried again (by the SDK) after the pause, and that try was the one that counted
    const retried = sent.filter((r) => r.raw === refused);
    expect(retried).toHaveLength(2);
    expect(retried[1].at).toBeGreaterThanOrEqual(pauseEnds);
  });

  it('max_calls_per_second is validated, shown on the agent and can be changed or cleared', async () => {
    const body = { name: uniqueName('Limited'), agent_type: 'search_retrieval', api_endpoint: agent.url };
    for (const bad of [0, 10_001, 1.5, 'five', true]) {
      expectValidation(
        await h.http
          .post('/api/v1/agents')
          .set(bearer(o.member))
          .send({ ...body, max_calls_per_second: bad }),
        ['max_calls_per_second'],
      );
    }
    const created = expectSuccess(
      await h.http
        .post('/api/v1/agents')
        .set(bearer(o.member))
        .send({ ...body, max_calls_per_second: 3 }),
      201,
    );
    expect(created.max_calls_per_second).toBe(3);
    const plain = await createAgent(h, o.member, { api_endpoint: agent.url });
    expect(plain.max_calls_per_second).toBeNull();

    const patch = (id: string, b: object) => h.http.patch(`/api/v1/agents/${id}`).set(bearer(o.member)).send(b);
    expectValidation(await patch(created.id, { max_calls_per_second: -1 }), ['max_calls_per_second']);
    expectError(await h.http.patch(`/api/v1/agents/${created.id}`).set(bearer(o.viewer)).send({ max_calls_per_second: 4 }), 403, 'FORBIDDEN');
    expect(expectSuccess(await patch(created.id, { max_calls_per_second: 7 }), 200)).toMatchObject({
      id: created.id,
      max_calls_per_second: 7,
      name: body.name,
    });
    expect(expectSuccess(await h.http.get(`/api/v1/agents/${created.id}`).set(bearer(o.viewer)), 200).max_calls_per_second).toBe(7);
    expect(expectSuccess(await patch(created.id, { max_calls_per_second: null }), 200).max_calls_per_second).toBeNull();
  });

  it(`an agent with max_calls_per_second ${AGENT_PER_SECOND} is never called more than ${AGENT_PER_SECOND} times in any second, by both workers together`, async () => {
    const limited = await createAgent(h, o.member, { api_endpoint: agent.url });
    expectSuccess(await h.http.patch(`/api/v1/agents/${limited.id}`).set(bearer(o.member)).send({ max_calls_per_second: AGENT_PER_SECOND }), 200);
    agentArrivals.length = 0;
    const CASES = 30;
    const runId = await startRun(CASES, {}, limited.id);
    const run = await waitForRun(h, o.viewer, runId, isTerminalRun, 60_000);
    expect(run.status).toBe('completed');
    expect(run.result_count).toBe(CASES);

    expect(agentArrivals).toHaveLength(CASES);
    expect(busiestSpan(agentArrivals, 1000)).toBeLessThanOrEqual(AGENT_PER_SECOND);
    expect(busiestSpan(agentArrivals, 1000)).toBe(AGENT_PER_SECOND);
    expect(Math.max(...agentArrivals) - Math.min(...agentArrivals)).toBeGreaterThanOrEqual((CASES / AGENT_PER_SECOND - 1) * 1000);
    const waited = (await artifacts(runId)).filter((r) => typeof r.execution_trace?.rate_limit_wait_ms === 'number');
    expect(waited.length).toBeGreaterThan(CASES / 2);
  });
});
