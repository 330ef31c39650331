import { binomialTestHalf } from './binomial';
import { assertCount } from './validate';

export interface McNemarResult {
  regressions: number;
  improvements: number;
  discordant: number;
  p_value: number;
  method: 'exact_binomial';
}

/**
 * Exact McNemar test: only the discordant pairs carry evidence. b = cases that passed on the baseline and failed on
 * the candidate (regressions), c = failed → passed (improvements). Under "no change" each discordant pair is a fair
 * coin, so p = min(1, 2·P(X ≤ min(b,c))) with X ~ Bin(b+c, 1/2); no discordant pairs → p = 1.
 */
export function mcnemarExact(regressions: number, improvements: number): McNemarResult {
  assertCount(regressions, 'regressions');
  assertCount(improvements, 'improvements');
  const discordant = regressions + improvements;
  return { regressions, improvements, discordant, p_value: binomialTestHalf(regressions, discordant), method: 'exact_binomial' };
}
