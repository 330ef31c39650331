import { logChoose } from './special';

/**
 * P(X ≤ k) for X ~ Bin(n, 1/2), for k ≤ n/2 (the lower tail, where the terms shrink as i goes down).
 * Starts from the largest term C(n,k)/2^n computed in log space, then walks down with the stable ratio
 * pmf(i−1) = pmf(i)·i/(n−i+1), stopping once terms no longer change the sum. Cost is O(min(k, ~40√n)),
 * so n = 100,000 takes well under a millisecond.
 */
function lowerTailHalf(n: number, k: number): number {
  let term = Math.exp(logChoose(n, k) - n * Math.LN2);
  let sum = term;
  for (let i = k; i > 0; i--) {
    term *= i / (n - i + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/**
 * Two-sided exact binomial test of H0: p = 1/2 for `x` successes out of `n`: p = min(1, 2·P(X ≤ min(x, n−x))).
 * With p = 1/2 the distribution is symmetric, so doubling the smaller tail equals summing all outcomes at most
 * as likely as the observed one (R's binom.test gives the same value). n = 0 → 1.
 */
export function binomialTestHalf(x: number, n: number): number {
  if (n <= 0) return 1;
  const k = Math.min(x, n - x);
  if (2 * k >= n) return 1;
  return Math.min(1, 2 * lowerTailHalf(n, k));
}
