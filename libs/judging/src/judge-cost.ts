import type { TokenUsage } from './judge.types';

/** What a model's calls cost: US dollars per million prompt (input) and completion (output) tokens. */
export interface TokenPrice {
  input_per_million_usd: number;
  output_per_million_usd: number;
}

/** What one judged case cost: the tokens it spent and their estimated price. */
export interface JudgeCallCost {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Estimated US dollars, rounded to the micro-dollar; null when the tokens are known but the model has no price. */
  cost_usd: number | null;
  /** Whether a judge call was made for it (false: deterministic judge, or a verdict reused from the run's cache). */
  called: boolean;
}

const FREE: JudgeCallCost = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0, called: false };

/**
 * The tokens and estimated cost of one judge verdict. The deterministic judge calls no model: 0 tokens,
 * cost 0. A verdict served from the run's cache (`cache_hit`) made no call: 0 tokens and cost 0, so the
 * tokens of the call it reuses are counted once, on the case that made it. A provider call whose model
 * has no price has its tokens counted and cost null; one whose response carried no usage counts 0 tokens
 * and cost null (unknown, not free).
 */
export function judgeCallCost(
  judge: { mode: 'deterministic' | 'provider' },
  trace: { token_usage: TokenUsage | null } | null,
  cacheHit: boolean,
  price: TokenPrice | null | undefined,
): JudgeCallCost {
  if (judge.mode === 'deterministic' || cacheHit || trace === null) return { ...FREE };
  const usage = trace.token_usage;
  if (!usage) return { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: null, called: true };
  const prompt = whole(usage.prompt_tokens);
  const completion = whole(usage.completion_tokens);
  // Some servers leave total_tokens out; it is never less than its parts.
  const total = Math.max(whole(usage.total_tokens), prompt + completion);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: total,
    cost_usd: price ? tokenCostUsd(prompt, completion, price) : null,
    called: true,
  };
}

/** US dollars for the tokens at `price`, rounded to 6 decimals (the stored precision). */
export function tokenCostUsd(promptTokens: number, completionTokens: number, price: TokenPrice): number {
  const usd = (promptTokens * price.input_per_million_usd + completionTokens * price.output_per_million_usd) / 1_000_000;
  return Math.round(usd * 1_000_000) / 1_000_000;
}

/** The price of `model` in `table`; null when the model (or the table) has none. */
export function priceOf(table: Record<string, TokenPrice> | null | undefined, model: string | null | undefined): TokenPrice | null {
  if (!table || !model || !Object.prototype.hasOwnProperty.call(table, model)) return null;
  return table[model];
}

function whole(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.round(n) : 0;
}
