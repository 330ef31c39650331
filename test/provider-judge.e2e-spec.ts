import { ERROR_HTTP_STATUS, ErrorCode } from '@greenlight/contracts';
import { DomainError } from '@greenlight/platform';
import { ANALYSIS, SEARCH } from '../libs/judging/src/__fixtures__/builtin-profiles';
import { CachingJudge, createJudge } from '@greenlight/judging';
import type { JudgeInput } from '@greenlight/judging';
import { checkPolicyContract } from '@greenlight/judging';
import { PROVIDER_SYSTEM_PROMPT, ProviderJudge, ProviderJudgeOptions } from '@greenlight/judging';
import { chatCompletion, errorReply, FakeOpenAi, FakeOpenAiHandler, startFakeOpenAi, verdictReply } from './support/fake-openai-server';

const API_KEY = 'sk-test-secret-0123456789';

const answerInput: JudgeInput = {
  mode: 'answer',
  case: { input: 'What is the capital of France?', expected_answer: 'Paris', expected_sources: ['https://example.com/france'], criteria: null, dimensions: [] },
  actual: { output: 'Paris is the capital.', sources: ['example.com/france'] },
  profile: SEARCH,
};

const criteriaInput: JudgeInput = {
  mode: 'criteria',
  case: { input: 'Analyse churn', expected_answer: null, expected_sources: [], criteria: 'Recommends concrete next steps.', dimensions: ['depth'] },
  actual: { output: 'Raise prices in one region first and watch churn weekly.', sources: [] },
  profile: ANALYSIS,
};

const goodAnswerVerdict = {
  answer_correct: true,
  source_correct: true,
  quality_score: 5,
  criteria_scores: null,
  issue_tags: [],
  reasoning: 'The answer names Paris and cites the expected source.',
};

/** Captures the DomainError a promise rejects with. */
async function rejection(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw new Error(`expected a DomainError, got ${String(err)}`);
  }
  throw new Error('expected the call to fail');
}

describe('ProviderJudge against an OpenAI-compatible server', () => {
  let server: FakeOpenAi | null = null;
  const start = async (handler: FakeOpenAiHandler) => {
    server = await startFakeOpenAi(handler);
    return server;
  };
  const judgeFor = (s: FakeOpenAi, over: Partial<ProviderJudgeOptions> = {}) =>
    ProviderJudge.create({ apiKey: API_KEY, baseURL: s.url, model: 'judge-model', timeoutMs: 5_000, maxRetries: 0, ...over });

  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('sends the prompt as json_object at temperature 0 and returns the verdict, usage and response id', async () => {
    const s = await start(() => ({
      ...verdictReply(goodAnswerVerdict, { id: 'chatcmpl-abc123', usage: { prompt_tokens: 321, completion_tokens: 54, total_tokens: 375 } }),
      delayMs: 80,
    }));
    const judge = judgeFor(s);
    const started = performance.now();
    const { verdict, trace } = await judge.judge(answerInput);
    const elapsed = performance.now() - started;

    expect(verdict).toEqual(goodAnswerVerdict);
    expect(checkPolicyContract(verdict, answerInput)).toEqual([]);
    expect(trace.token_usage).toEqual({ prompt_tokens: 321, completion_tokens: 54, total_tokens: 375 });
    expect(trace.response_id).toBe('chatcmpl-abc123');
    // The server took 80 ms to answer: the latency is the call's, in milliseconds.
    expect(trace.latency_ms).toBeGreaterThanOrEqual(75);
    expect(trace.latency_ms).toBeLessThanOrEqual(Math.ceil(elapsed));
    expect(trace.judge_output).toEqual({ parsed: goodAnswerVerdict, raw_content: JSON.stringify(goodAnswerVerdict), finish_reason: 'stop' });

    expect(s.requests).toHaveLength(1);
    const req = s.requests[0];
    expect(req.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(req.body.model).toBe('judge-model');
    expect(req.body.temperature).toBe(0);
    expect(req.body.response_format).toEqual({ type: 'json_object' });
    expect(req.body.messages[0]).toEqual({ role: 'system', content: PROVIDER_SYSTEM_PROMPT });
    const user = JSON.parse(req.body.messages[1].content);
    expect(user).toMatchObject({
      evaluation_mode: 'answer',
      case: { input: 'What is the capital of France?', expected_answer: 'Paris', expected_sources: ['https://example.com/france'] },
      actual: { output: 'Paris is the capital.', sources: ['example.com/france'] },
      profile: {
        name: 'Search/Retrieval',
        scales: { quality: { min: 1, max: 5 }, criteria: { min: 1, max: 5 } },
        pass_threshold: 4,
        issue_tags: SEARCH.issue_tags,
      },
    });
    expect(user.profile.dimensions.map((d: { key: string }) => d.key)).toEqual(SEARCH.dimensions.map((d) => d.key));

    // The trace is stored with the run: it holds the messages sent, never the key.
    expect(trace.judge_input).toEqual({ model: 'judge-model', temperature: 0, response_format: { type: 'json_object' }, messages: req.body.messages });
    expect(JSON.stringify(trace)).not.toContain(API_KEY);
    expect(judge.prompt_version).toBe('provider-v1');
    expect(judge.prompt_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('scores criteria mode, asks for required plus requested dimensions and coerces numbers sent as strings', async () => {
    const s = await start(() =>
      verdictReply({
        answer_correct: null,
        source_correct: null,
        quality_score: '3.5',
        criteria_scores: { reasoning: '4', evidence: 3, actionability: 4, depth: '3' },
        issue_tags: ['shallow_analysis'],
        reasoning: 'Concrete but thin.',
      }),
    );
    const { verdict } = await judgeFor(s).judge(criteriaInput);
    expect(verdict).toEqual({
      answer_correct: null,
      source_correct: null,
      quality_score: 3.5,
      criteria_scores: { reasoning: 4, evidence: 3, actionability: 4, depth: 3 },
      issue_tags: ['shallow_analysis'],
      reasoning: 'Concrete but thin.',
    });
    expect(checkPolicyContract(verdict, criteriaInput)).toEqual([]);
    const user = JSON.parse(s.requests[0].body.messages[1].content);
    expect(user.case.dimensions_to_score.map((d: { key: string }) => d.key)).toEqual(['reasoning', 'evidence', 'actionability', 'depth']);
    expect(user.case.criteria).toBe('Recommends concrete next steps.');
  });

  it('refuses content that is not JSON', async () => {
    const s = await start(() => ({ status: 200, body: chatCompletion('Sure! The answer looks correct to me.') }));
    const err = await rejection(judgeFor(s).judge(answerInput));
    expect(err.code).toBe(ErrorCode.EVAL_JUDGE_PROVIDER_ERROR);
    expect(ERROR_HTTP_STATUS[err.code]).toBe(502);
    expect(err.message).toMatch(/^malformed judge output/);
    expect(err.details).toMatchObject({ provider_code: 'malformed_output', retryable: false, content_preview: 'Sure! The answer looks correct to me.' });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a missing key', { answer_correct: true, source_correct: true, quality_score: 5, criteria_scores: null, issue_tags: [] }, 'missing key reasoning'],
    ['a score that is not a number', { ...goodAnswerVerdict, quality_score: 'excellent' }, 'quality_score must be a number'],
    ['tags that are not a list', { ...goodAnswerVerdict, issue_tags: 'hallucination' }, 'issue_tags must be an array of strings'],
    ['a tag that is not text', { ...goodAnswerVerdict, issue_tags: ['vague', 3] }, 'issue_tags[1] must be a string'],
    ['no answer verdict in answer mode', { ...goodAnswerVerdict, answer_correct: null }, 'answer_correct must be true or false for an answer-mode case'],
  ])('refuses JSON with %s, naming the field', async (_name, body, problem) => {
    const s = await start(() => verdictReply(body));
    const err = await rejection(judgeFor(s).judge(answerInput));
    expect(err.code).toBe(ErrorCode.EVAL_JUDGE_PROVIDER_ERROR);
    expect(err.message).toBe(`malformed judge output: ${problem}`);
    expect((err.details as { content_preview: string }).content_preview).toBe(JSON.stringify(body));
  });

  it('maps 429 to a retryable provider error (maxRetries 0: one request)', async () => {
    const s = await start(() => errorReply(429, 'Rate limit reached', 'requests', 'rate_limit_exceeded'));
    const err = await rejection(judgeFor(s).judge(answerInput));
    expect(err.code).toBe(ErrorCode.EVAL_JUDGE_PROVIDER_ERROR);
    expect(err.details).toEqual({ status: 429, provider_code: 'rate_limit_exceeded', retryable: true });
    expect(s.requests).toHaveLength(1);
  });

  it('maps 500 to a retryable provider error after the SDK retries', async () => {
    const s = await start(() => errorReply(500, 'The server had an error', 'server_error', null, { 'retry-after-ms': '10' }));
    const err = await rejection(judgeFor(s, { maxRetries: 1 }).judge(answerInput));
    expect(err.code).toBe(ErrorCode.EVAL_JUDGE_PROVIDER_ERROR);
    expect(err.details).toEqual({ status: 500, provider_code: 'server_error', retryable: true });
    expect(s.requests).toHaveLength(2);
  });

  it('maps 401 to a non-retryable provider error without echoing the key', async () => {
    const s = await start(() => errorReply(401, `Incorrect API key provided: ${API_KEY}`, 'invalid_request_error', 'invalid_api_key'));
    const err = await rejection(judgeFor(s).judge(answerInput));
    expect(err.details).toEqual({ status: 401, provider_code: 'invalid_api_key', retryable: false });
    expect(err.message).not.toContain(API_KEY);
    expect(JSON.stringify(err.details)).not.toContain(API_KEY);
  });

  it('times out fast on a server that never answers', async () => {
    const s = await start(() => 'hang');
    const started = Date.now();
    const err = await rejection(judgeFor(s, { timeoutMs: 300 }).judge(answerInput));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(err.code).toBe(ErrorCode.EVAL_JUDGE_PROVIDER_ERROR);
    expect(err.details).toEqual({ status: null, provider_code: 'timeout', retryable: true });
    expect(err.message).toContain('300 ms');
  });

  it('maps a refused connection to a provider error', async () => {
    const s = await start(() => verdictReply(goodAnswerVerdict));
    const url = s.url;
    await s.close();
    server = null;
    const err = await rejection(
      ProviderJudge.create({ apiKey: API_KEY, baseURL: url, model: 'judge-model', timeoutMs: 2_000, maxRetries: 0 }).judge(answerInput),
    );
    expect(err.code).toBe(ErrorCode.EVAL_JUDGE_PROVIDER_ERROR);
    expect(err.details).toEqual({ status: null, provider_code: 'connection_error', retryable: true });
  });

  it('refuses to build without an API key or a model', () => {
    for (const over of [{ apiKey: '' }, { apiKey: undefined }, { model: '' }]) {
      let caught: unknown;
      try {
        ProviderJudge.create({ apiKey: API_KEY, baseURL: 'http://127.0.0.1:9/v1', model: 'm', timeoutMs: 1_000, maxRetries: 0, ...over });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(DomainError);
      expect((caught as DomainError).code).toBe(ErrorCode.EVAL_JUDGE_CONFIG_ERROR);
      expect(ERROR_HTTP_STATUS[(caught as DomainError).code]).toBe(400);
    }
  });

  it('calls through the fetch it is given', async () => {
    const s = await start(() => verdictReply(goodAnswerVerdict));
    const seen: string[] = [];
    const fetchSpy: typeof globalThis.fetch = (input, init) => {
      seen.push(String(input instanceof Request ? input.url : input));
      return globalThis.fetch(input, init);
    };
    await judgeFor(s, { fetch: fetchSpy }).judge(answerInput);
    expect(seen).toEqual([`${s.url}/chat/completions`]);
  });

  it('through createJudge and CachingJudge: identical cases reach the provider once', async () => {
    const s = await start(() => verdictReply(goodAnswerVerdict));
    const judge = new CachingJudge(
      createJudge(
        { mode: 'provider', model: null, prompt_version: 'provider-v1' },
        { apiKey: API_KEY, baseURL: s.url, defaultModel: 'default-judge', timeoutMs: 5_000, maxRetries: 0 },
      ),
    );
    const [a, b] = await Promise.all([judge.judgeWithCache(answerInput), judge.judgeWithCache(structuredClone(answerInput))]);
    expect([a.cache_hit, b.cache_hit]).toEqual([false, true]);
    expect(b.verdict).toEqual(a.verdict);
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0].body.model).toBe('default-judge');
    expect([judge.hits, judge.misses]).toEqual([1, 1]);
  });
});
