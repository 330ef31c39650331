import { normalCdf } from './special';
import { assertFiniteValues, cleanDifference } from './validate';

export interface SignedRankResult {
  n: number;
  n_nonzero: number;
  w_plus: number;
  w_minus: number;
  statistic: number;
  z: number | null;
  p_value: number;
  method: 'exact' | 'normal_approximation';
}

/** Up to this many nonzero differences the exact null distribution is enumerated (2^25 sign patterns, by DP). */
export const EXACT_MAX_N = 25;

/**
 * Wilcoxon signed-rank test on paired differences (candidate − baseline), two-sided.
 *
 * - Zero differences are dropped before ranking (Wilcoxon's original method, as R's wilcox.test does); `n` counts
 *   all pairs, `n_nonzero` the ones ranked. Differences are cleaned of floating-point noise first (cleanDifference:
 *   |d| < 1e-12 is zero, the rest is compared at 12 significant digits).
 * - Tied |differences| get the average of the ranks they span (midranks).
 * - n_nonzero ≤ 25: exact p-value from the permutation distribution of W+ over all 2^n sign assignments, ties
 *   included — midranks are multiples of 1/2, so the DP runs over doubled ranks and stays exact (conditional on the
 *   observed tie pattern). R falls back to the normal approximation when there are ties, so with ties our p-value is
 *   the exact one and can differ slightly from R's.
 * - Otherwise: normal approximation with the tie-corrected variance n(n+1)(2n+1)/24 − Σ(t³−t)/48 and a continuity
 *   correction of 1/2 toward the mean (as R's wilcox.test with correct = TRUE).
 * - `statistic` is W+ (the sum of ranks of positive differences, R's V). n_nonzero = 0 → p = 1.
 */
export function wilcoxonSignedRank(differences: number[]): SignedRankResult {
  assertFiniteValues(differences, 'differences');
  const nonzero = differences.map(cleanDifference).filter((d) => d !== 0);
  const ranked = midranksOfAbs(nonzero);
  let doubledPlus = 0;
  let doubledTotal = 0;
  for (let i = 0; i < nonzero.length; i++) {
    doubledTotal += ranked.doubled[i];
    if (nonzero[i] > 0) doubledPlus += ranked.doubled[i];
  }
  const w_plus = doubledPlus / 2;
  const w_minus = (doubledTotal - doubledPlus) / 2;
  const base = { n: differences.length, n_nonzero: nonzero.length, w_plus, w_minus, statistic: w_plus };
  if (nonzero.length === 0) return { ...base, z: null, p_value: 1, method: 'exact' };
  if (nonzero.length <= EXACT_MAX_N) return { ...base, z: null, p_value: exactSignedRankP(ranked.doubled, doubledPlus), method: 'exact' };
  const z = normalSignedRankZ(nonzero.length, w_plus, ranked.tieGroupSizes);
  return { ...base, z, p_value: Math.min(1, 2 * normalCdf(-Math.abs(z))), method: 'normal_approximation' };
}

interface Midranks {
  /** 2 × midrank of |x_i|, always an integer. */
  doubled: number[];
  /** Sizes of groups of tied |x| (only groups of 2 or more). */
  tieGroupSizes: number[];
}

/** Midranks of |x| (ties share the average of the positions they occupy), returned doubled so they are integers. */
function midranksOfAbs(values: readonly number[]): Midranks {
  const order = values.map((v, i) => ({ a: Math.abs(v), i })).sort((p, q) => p.a - q.a);
  const doubled = new Array<number>(values.length);
  const tieGroupSizes: number[] = [];
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (end + 1 < order.length && order[end + 1].a === order[start].a) end++;
    // Positions start+1 … end+1 (1-based); their average doubled is (start+1)+(end+1).
    for (let j = start; j <= end; j++) doubled[order[j].i] = start + end + 2;
    if (end > start) tieGroupSizes.push(end - start + 1);
    start = end + 1;
  }
  return { doubled, tieGroupSizes };
}

/**
 * Exact two-sided p-value: count, by dynamic programming over the doubled rank sum, how many of the 2^n sign
 * patterns give each W+; p = min(1, 2·min(P(W+ ≤ w), P(W+ ≥ w))). The null distribution is symmetric, so this
 * equals doubling the tail the observation falls in.
 */
function exactSignedRankP(doubledRanks: readonly number[], observedDoubled: number): number {
  const total = doubledRanks.reduce((s, r) => s + r, 0);
  const ways = new Float64Array(total + 1);
  ways[0] = 1;
  let reach = 0;
  for (const r of doubledRanks) {
    for (let s = reach; s >= 0; s--) if (ways[s] !== 0) ways[s + r] += ways[s];
    reach += r;
  }
  let atMost = 0;
  let atLeast = 0;
  for (let s = 0; s <= total; s++) {
    if (s <= observedDoubled) atMost += ways[s];
    if (s >= observedDoubled) atLeast += ways[s];
  }
  const patterns = Math.pow(2, doubledRanks.length);
  return Math.min(1, (2 * Math.min(atMost, atLeast)) / patterns);
}

/** Continuity-corrected z for W+ under the normal approximation with the tie-corrected variance. */
function normalSignedRankZ(n: number, wPlus: number, tieGroupSizes: readonly number[]): number {
  const mean = (n * (n + 1)) / 4;
  const tieTerm = tieGroupSizes.reduce((s, t) => s + t * t * t - t, 0);
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48;
  const deviation = wPlus - mean;
  if (deviation === 0 || variance <= 0) return 0;
  return (deviation - 0.5 * Math.sign(deviation)) / Math.sqrt(variance);
}
