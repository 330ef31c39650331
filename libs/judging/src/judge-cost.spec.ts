import { judgeCallCost, priceOf, tokenCostUsd } from './judge-cost';

const price = { input_per_million_usd: 0.15, output_per_million_usd: 0.6 };
const provider = { mode: 'provider' as const };
const usage = (p: number, c: number, t = p + c) => ({ token_usage: { prompt_tokens: p, completion_tokens: c, total_tokens: t } });

describe('judgeCallCost', () => {
  it('prices prompt and completion tokens apart, per million', () => {
    // 1,200 × 0.15 / 1e6 + 300 × 0.60 / 1e6 = 0.00018 + 0.00018
    expect(judgeCallCost(provider, usage(1200, 300), false, price)).toEqual({
      prompt_tokens: 1200,
      completion_tokens: 300,
      total_tokens: 1500,
      cost_usd: 0.00036,
      called: true,
    });
    expect(tokenCostUsd(1_000_000, 1_000_000, { input_per_million_usd: 2.5, output_per_million_usd: 10 })).toBe(12.5);
    // Rounded to the micro-dollar the column keeps.
    expect(tokenCostUsd(1, 1, price)).toBe(0.000001);
  });

  it('a cache hit costs nothing and its tokens are not counted again', () => {
    expect(judgeCallCost(provider, usage(1200, 300), true, price)).toEqual({
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
      cost_usd: 0,
      called: false,
    });
  });

  it('the deterministic judge costs nothing', () => {
    expect(judgeCallCost({ mode: 'deterministic' }, { token_usage: null }, false, null)).toMatchObject({ total_tokens: 0, cost_usd: 0, called: false });
  });

  it('a model without a price counts its tokens with an unknown cost', () => {
    expect(judgeCallCost(provider, usage(10, 5), false, null)).toMatchObject({ total_tokens: 15, cost_usd: null, called: true });
    expect(priceOf({ 'gpt-4o-mini': price }, 'my-local-model')).toBeNull();
    expect(priceOf({ 'gpt-4o-mini': price }, 'toString')).toBeNull();
    expect(priceOf({ 'gpt-4o-mini': price }, 'gpt-4o-mini')).toBe(price);
  });

  it('a response without usage has an unknown cost, not a free one; a missing total is its parts', () => {
    expect(judgeCallCost(provider, { token_usage: null }, false, price)).toMatchObject({ total_tokens: 0, cost_usd: null, called: true });
    expect(judgeCallCost(provider, usage(100, 50, 0), false, price).total_tokens).toBe(150);
  });
});
