import { ConfigError, loadConfig } from './env.schema';
import { DEFAULT_JUDGE_PRICES } from './env-evaluation';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('EVAL_JUDGE_PRICES', () => {
  it('defaults to the built-in table when unset or empty', () => {
    expect(loadConfig({}).EVAL_JUDGE_PRICES).toEqual(DEFAULT_JUDGE_PRICES);
    expect(loadConfig({ EVAL_JUDGE_PRICES: '' }).EVAL_JUDGE_PRICES['gpt-4o-mini']).toEqual({ input_per_million_usd: 0.15, output_per_million_usd: 0.6 });
  });

  it('replaces the table with the JSON given', () => {
    const table = { 'local-judge': { input_per_million_usd: 1, output_per_million_usd: 2.5 } };
    expect(loadConfig({ EVAL_JUDGE_PRICES: JSON.stringify(table) }).EVAL_JUDGE_PRICES).toEqual(table);
    expect(loadConfig({ EVAL_JUDGE_PRICES: '{}' }).EVAL_JUDGE_PRICES).toEqual({});
  });

  it.each([
    ['not JSON', '{gpt: 1'],
    ['an array', '[]'],
    ['a negative price', '{"m": {"input_per_million_usd": -1, "output_per_million_usd": 1}}'],
    ['a missing price', '{"m": {"input_per_million_usd": 1}}'],
    ['a price as text', '{"m": {"input_per_million_usd": "1", "output_per_million_usd": 1}}'],
    ['an unknown key', '{"m": {"input_per_million_usd": 1, "output_per_million_usd": 1, "per_call": 2}}'],
    ['a model name with spaces', '{"my model": {"input_per_million_usd": 1, "output_per_million_usd": 1}}'],
  ])('refuses %s, naming the variable', (_label, raw) => {
    const problems = problemsOf({ EVAL_JUDGE_PRICES: raw });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^EVAL_JUDGE_PRICES: must be a JSON object of model name to/);
  });
});
