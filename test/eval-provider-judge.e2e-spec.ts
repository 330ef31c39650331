import { startTestAgent, TestAgent } from './support/agent-server';
import { agentBody, expectError, expectSuccess, createAgent } from './support/e2e-helpers';
import { errorReply, FakeOpenAi, FakeOpenAiReply, startFakeOpenAi, verdictReply } from './support/fake-openai-server';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi, uniqueName } from './support/harness';

/** The provider (LLM) judge inside the run pipeline, against a local OpenAI-compatible server. */
describe('eval runs with the provider judge', () => {
  let h: ApiHarness;
  let o: OrgKeys;
  let fake: FakeOpenAi;
  let agent: TestAgent;
  let reply: (body: any) => FakeOpenAiReply | 'hang';

  const good = { answer_correct: true, source_correct: null, quality_score: 5, criteria_scores: null, issue_tags: [], reasoning: 'matches' };

  beforeAll(async () => {
    fake = await startFakeOpenAi((req) => reply(req.body));
    agent = await startTestAgent(() => ({ body: { output: 'Paris' } }));
    h = await startApi({
      OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
      OPENAI_API_KEY: 'sk-test-not-a-real-key',
      OPENAI_BASE_URL: fake.url,
      EVAL_JUDGE_MAX_RETRIES: '0',
      EVAL_JUDGE_TIMEOUT_MS: '2000',
    });
    const g = await globalAdmin(h.config);
    o = await orgWithKeys(h, g.api_key);
  });
  afterAll(async () => {
    await h.close();
    await agent.close();
    await fake.close();
  });

  async function providerRun(cases: unknown[], extra: Record<string, unknown> = {}): Promise<string> {
    const agentId = (await createAgent(h, o.member, { api_endpoint: agent.url })).id;
    const setId = expectSuccess(
      await h.http
        .post('/api/v1/golden-sets/upload')
        .set(bearer(o.member))
        .send({ agent_id: agentId, name: uniqueName('S'), cases }),
      201,
    ).golden_set.id;
    const run = expectSuccess(
      await h.http
        .post('/api/v1/eval/runs')
        .set(bearer(o.member))
        .send({ agent_id: agentId, golden_set_id: setId, judge_mode: 'provider', judge_model: 'judge-1', ...extra }),
      202,
    );
    expect(run.config.judge).toEqual({ mode: 'provider', model: 'judge-1', prompt_version: 'provider-v1' });
    return run.id;
  }

  it('judges through the provider, records tokens and judges identical inputs once', async () => {
    reply = () => verdictReply(good, { usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 } });
    const before = fake.requests.length;
    const same = { input: 'Capital of France?', expected_answer: 'Paris' };
    const runId = await providerRun([same, { ...same }, { input: 'Capital of France, again?', expected_answer: 'Paris' }]);
    const executed = expectSuccess(await h.http.post(`/api/v1/eval/runs/${runId}/execute`).set(bearer(o.member)).send({}), 200);
    expect(executed.run.status).toBe('completed');
    expect(executed.summary).toMatchObject({ result_count: 3, answer: { correct: 3 }, pass_rate: 1 });
    // two distinct judge inputs → two provider calls; the duplicate case is a cache hit
    expect(fake.requests.length - before).toBe(2);
    const sent = fake.requests[fake.requests.length - 1].body;
    expect(sent.model).toBe('judge-1');
    expect(sent.response_format).toEqual({ type: 'json_object' });
    expect(fake.requests[fake.requests.length - 1].headers.authorization).toBe('Bearer sk-test-not-a-real-key');

    const artifacts = expectSuccess(await h.http.get(`/api/v1/eval/runs/${runId}/artifacts`).set(bearer(o.viewer)), 200).items;
    expect(artifacts).toHaveLength(3);
    expect(artifacts.filter((a: { cache_hit: boolean }) => a.cache_hit)).toHaveLength(1);
    for (const a of artifacts) {
      expect(a).toMatchObject({ judge_mode: 'provider', judge_model: 'judge-1', judge_prompt_version: 'provider-v1' });
      expect(a.token_usage).toMatchObject({ total_tokens: 120 });
      expect(JSON.stringify(a.judge_input)).not.toContain('sk-test');
    }
    expect(executed.run.design_context.execution.judge_cache).toEqual({ hits: 1, misses: 2 });
  });

  it('a provider 500 fails the run with EVAL_JUDGE_PROVIDER_ERROR', async () => {
    reply = () => errorReply(500, 'upstream exploded');
    const runId = await providerRun([{ input: 'Q', expected_answer: 'Paris' }]);
    const err = expectError(await h.http.post(`/api/v1/eval/runs/${runId}/execute`).set(bearer(o.member)).send({}), 502, 'EVAL_JUDGE_PROVIDER_ERROR');
    expect(err.details).toMatchObject({ run_id: runId, run_status: 'failed', status: 500 });
    const run = expectSuccess(await h.http.get(`/api/v1/eval/runs/${runId}`).set(bearer(o.viewer)), 200);
    expect(run).toMatchObject({ status: 'failed', failure_code: 'EVAL_JUDGE_PROVIDER_ERROR' });
    expect(run.completed_at).not.toBeNull();
  });

  it('malformed judge output fails the run with EVAL_JUDGE_PROVIDER_ERROR', async () => {
    reply = () => ({
      status: 200,
      body: {
        id: 'x',
        object: 'chat.completion',
        created: 1,
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: 'not json at all' }, finish_reason: 'stop' }],
      },
    });
    const runId = await providerRun([{ input: 'Q', expected_answer: 'Paris' }]);
    expectError(await h.http.post(`/api/v1/eval/runs/${runId}/execute`).set(bearer(o.member)).send({}), 502, 'EVAL_JUDGE_PROVIDER_ERROR');
  });

  it('a verdict outside the profile contract fails the run with EVAL_POLICY_CONTRACT_ERROR', async () => {
    reply = () => verdictReply({ ...good, quality_score: 9, issue_tags: ['made_up_tag'] });
    const runId = await providerRun([{ input: 'Q', expected_answer: 'Paris' }]);
    const err = expectError(await h.http.post(`/api/v1/eval/runs/${runId}/execute`).set(bearer(o.member)).send({}), 422, 'EVAL_POLICY_CONTRACT_ERROR');
    const rules = err.details.violations.map((v: { rule: string }) => v.rule).sort();
    expect(rules).toEqual(['issue_tag_allowlist', 'score_scale']);
    const run = expectSuccess(await h.http.get(`/api/v1/eval/runs/${runId}`).set(bearer(o.viewer)), 200);
    expect(run).toMatchObject({ status: 'failed', failure_code: 'EVAL_POLICY_CONTRACT_ERROR' });
  });

  it('the provider judge needs OPENAI_API_KEY: EVAL_JUDGE_CONFIG_ERROR at creation', async () => {
    const plain = await startApi({ OPENAI_API_KEY: '' });
    try {
      const agentId = expectSuccess(await plain.http.post('/api/v1/agents').set(bearer(o.member)).send(agentBody()), 201).id;
      const setId = expectSuccess(
        await plain.http
          .post('/api/v1/golden-sets/upload')
          .set(bearer(o.member))
          .send({ agent_id: agentId, name: uniqueName('S'), cases: [{ input: 'Q', expected_answer: 'A' }] }),
        201,
      ).golden_set.id;
      expectError(
        await plain.http.post('/api/v1/eval/runs').set(bearer(o.member)).send({ agent_id: agentId, golden_set_id: setId, judge_mode: 'provider' }),
        400,
        'EVAL_JUDGE_CONFIG_ERROR',
      );
    } finally {
      await plain.close();
    }
  });
});
