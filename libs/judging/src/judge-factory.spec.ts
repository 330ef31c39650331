import { ErrorCode } from '@greenlight/contracts';
import { DomainError } from '@greenlight/platform';
import { SEARCH } from './__fixtures__/builtin-profiles';
import { DeterministicJudge } from './deterministic-judge';
import { CachingJudge, createJudge, JudgeDeps } from './judge-factory';
import type { Judge, JudgeConfig, JudgeInput, JudgeResult } from './judge.types';
import { ProviderJudge } from './provider-judge';

const deps: JudgeDeps = { apiKey: 'sk-test', baseURL: 'http://127.0.0.1:9/v1', defaultModel: 'gpt-4o-mini', timeoutMs: 1000, maxRetries: 0 };

const input = (output: string, over: Partial<JudgeInput['case']> = {}): JudgeInput => ({
  mode: 'answer',
  case: { input: 'q', expected_answer: 'Paris', expected_sources: [], criteria: null, dimensions: [], ...over },
  actual: { output, sources: [] },
  profile: SEARCH,
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof DomainError ? err.code : `not a DomainError: ${String(err)}`;
  }
  return undefined;
}

describe('createJudge', () => {
  it('builds the deterministic judge', () => {
    const j = createJudge({ mode: 'deterministic', model: null, prompt_version: 'deterministic-v1' }, deps);
    expect(j).toBeInstanceOf(DeterministicJudge);
  });

  it('builds the provider judge with the run model, or the default one', () => {
    const own = createJudge({ mode: 'provider', model: 'gpt-4.1', prompt_version: 'provider-v1' }, deps);
    expect(own).toBeInstanceOf(ProviderJudge);
    expect(own.model).toBe('gpt-4.1');
    expect(createJudge({ mode: 'provider', model: null, prompt_version: 'provider-v1' }, deps).model).toBe('gpt-4o-mini');
  });

  it('refuses an unknown mode, a provider without key or model, and a prompt version it does not implement', () => {
    expect(codeOf(() => createJudge({ mode: 'oracle', model: null, prompt_version: 'x' } as unknown as JudgeConfig, deps))).toBe(
      ErrorCode.EVAL_JUDGE_CONFIG_ERROR,
    );
    expect(codeOf(() => createJudge({ mode: 'provider', model: 'm', prompt_version: 'provider-v1' }, { ...deps, apiKey: '' }))).toBe(
      ErrorCode.EVAL_JUDGE_CONFIG_ERROR,
    );
    expect(codeOf(() => createJudge({ mode: 'provider', model: null, prompt_version: 'provider-v1' }, { ...deps, defaultModel: ' ' }))).toBe(
      ErrorCode.EVAL_JUDGE_CONFIG_ERROR,
    );
    expect(codeOf(() => createJudge({ mode: 'deterministic', model: null, prompt_version: 'deterministic-v0' }, deps))).toBe(ErrorCode.EVAL_JUDGE_CONFIG_ERROR);
  });
});

/** A judge that counts calls and resolves when told to. */
class SlowJudge implements Judge {
  readonly mode = 'provider' as const;
  readonly model = 'fake';
  readonly prompt_version = 'provider-v1';
  readonly prompt_hash = 'h';
  calls = 0;
  fail = false;
  private releases: (() => void)[] = [];

  async judge(i: JudgeInput): Promise<JudgeResult> {
    const n = ++this.calls;
    await new Promise<void>((r) => this.releases.push(r));
    if (this.fail) throw new Error('provider down');
    return {
      verdict: { answer_correct: true, source_correct: null, quality_score: 5, criteria_scores: null, issue_tags: [], reasoning: i.actual.output },
      trace: {
        judge_input: {},
        judge_output: {},
        latency_ms: 1,
        token_usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        response_id: `r${n}`,
      },
    };
  }

  release(): void {
    for (const r of this.releases.splice(0)) r();
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('CachingJudge', () => {
  it('judges identical inputs once and counts hits and misses', async () => {
    const cache = new CachingJudge(new DeterministicJudge());
    const a = await cache.judgeWithCache(input('Paris'));
    const b = await cache.judgeWithCache(input('Paris'));
    const c = await cache.judgeWithCache(input('Rome'));
    expect(a.cache_hit).toBe(false);
    expect(b.cache_hit).toBe(true);
    expect(c.cache_hit).toBe(false);
    expect(b.verdict).toEqual(a.verdict);
    expect(b.trace).toEqual(a.trace);
    expect(cache.hits).toBe(1);
    expect(cache.misses).toBe(2);
  });

  it('passes the inner judge identity through', () => {
    const inner = new DeterministicJudge();
    const cache = new CachingJudge(inner);
    expect([cache.mode, cache.model, cache.prompt_version, cache.prompt_hash]).toEqual([inner.mode, inner.model, inner.prompt_version, inner.prompt_hash]);
  });

  it('keys on canonical content: key order does not matter, any case field does', () => {
    const cache = new CachingJudge(new DeterministicJudge());
    const base = input('Paris');
    const reordered: JudgeInput = {
      profile: base.profile,
      actual: { sources: [], output: 'Paris' },
      case: { dimensions: [], criteria: null, expected_sources: [], expected_answer: 'Paris', input: 'q' },
      mode: 'answer',
    };
    expect(cache.cacheKey(reordered)).toBe(cache.cacheKey(base));
    expect(cache.cacheKey(input('Paris', { input: 'other question' }))).not.toBe(cache.cacheKey(base));
    expect(cache.cacheKey(input('Paris', { expected_sources: ['a.com'] }))).not.toBe(cache.cacheKey(base));
    expect(cache.cacheKey({ ...base, actual: { output: 'Paris', sources: ['a.com'] } })).not.toBe(cache.cacheKey(base));
    expect(cache.cacheKey({ ...base, profile: { ...base.profile, version: 2 } })).not.toBe(cache.cacheKey(base));
    expect(cache.cacheKey(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('shares one in-flight call between concurrent identical inputs', async () => {
    const inner = new SlowJudge();
    const cache = new CachingJudge(inner);
    const calls = [cache.judgeWithCache(input('x')), cache.judgeWithCache(input('x')), cache.judgeWithCache(input('x')), cache.judgeWithCache(input('y'))];
    await tick();
    expect(inner.calls).toBe(2);
    inner.release();
    const results = await Promise.all(calls);
    expect(results.map((r) => r.cache_hit)).toEqual([false, true, true, false]);
    expect(results.map((r) => r.trace.response_id)).toEqual(['r1', 'r1', 'r1', 'r2']);
    expect([cache.hits, cache.misses]).toEqual([2, 2]);
    // Each caller owns its copy.
    results[1].verdict.issue_tags.push('mutated');
    expect(results[2].verdict.issue_tags).toEqual([]);
  });

  it('does not cache failures: waiters share the failure, the next call tries again', async () => {
    const inner = new SlowJudge();
    inner.fail = true;
    const cache = new CachingJudge(inner);
    const first = cache.judgeWithCache(input('x'));
    const second = cache.judgeWithCache(input('x'));
    await tick();
    inner.release();
    await expect(first).rejects.toThrow('provider down');
    await expect(second).rejects.toThrow('provider down');
    expect(inner.calls).toBe(1);

    inner.fail = false;
    const retry = cache.judgeWithCache(input('x'));
    await tick();
    inner.release();
    expect((await retry).cache_hit).toBe(false);
    expect(inner.calls).toBe(2);
    expect(cache.size).toBe(1);
  });

  it('hands every caller its own deep copy, shaped like the original', async () => {
    const cache = new CachingJudge(new DeterministicJudge());
    const a = await cache.judgeWithCache(input('Paris'));
    const b = await cache.judgeWithCache(input('Paris'));
    // The deterministic trace holds the verdict object; a copy keeps that sharing within itself only.
    expect(a.trace.judge_output).toMatchObject({ verdict: a.verdict });
    expect((a.trace.judge_output as { verdict: unknown }).verdict).toBe(a.verdict);
    expect(b.verdict).not.toBe(a.verdict);
    a.verdict.quality_score = 0;
    a.verdict.issue_tags.push('mutated');
    (a.trace.judge_input as { case: { input: string } }).case.input = 'mutated';
    const c = await cache.judgeWithCache(input('Paris'));
    expect(c.verdict).toEqual(b.verdict);
    expect(c.trace).toEqual(b.trace);
  });

  it('copies judge output that is not plain data, and keeps a "__proto__" key as data', async () => {
    const at = new Date('2020-01-01T00:00:00Z');
    const inner: Judge = {
      mode: 'provider',
      model: 'fake',
      prompt_version: 'provider-v1',
      prompt_hash: 'h',
      judge: async () => ({
        verdict: { answer_correct: true, source_correct: null, quality_score: 5, criteria_scores: null, issue_tags: [], reasoning: 'r' },
        trace: { judge_input: {}, judge_output: { at, parsed: JSON.parse('{"__proto__": {"x": 1}}') }, latency_ms: 1, token_usage: null, response_id: 'r1' },
      }),
    };
    const cache = new CachingJudge(inner);
    const first = await cache.judgeWithCache(input('x'));
    const out = first.trace.judge_output as { at: Date; parsed: Record<string, unknown> };
    expect(out.at).toEqual(at);
    expect(out.at).not.toBe(at);
    expect(Object.getPrototypeOf(out.parsed)).toBe(Object.prototype);
    expect(Object.keys(out.parsed)).toEqual(['__proto__']);
    expect(JSON.stringify(out.parsed)).toBe('{"__proto__":{"x":1}}');
    const second = await cache.judgeWithCache(input('x'));
    expect(second.cache_hit).toBe(true);
    expect(second.trace).toEqual(first.trace);
  });

  it('evicts the least recently used settled entries past maxEntries', async () => {
    const cache = new CachingJudge(new DeterministicJudge(), { maxEntries: 2 });
    await cache.judgeWithCache(input('a'));
    await cache.judgeWithCache(input('b'));
    await cache.judgeWithCache(input('a')); // a is now the most recent
    await cache.judgeWithCache(input('c')); // evicts b
    expect(cache.size).toBe(2);
    expect((await cache.judgeWithCache(input('a'))).cache_hit).toBe(true);
    expect((await cache.judgeWithCache(input('b'))).cache_hit).toBe(false);
  });
});
