import { normalQuantile } from './special';
import { assertCount } from './validate';

export interface RateDelta {
  baseline: number;
  candidate: number;
  delta: number;
  lower: number;
  upper: number;
  confidence: number;
  method: string;
}

export interface PairedCounts {
  both_pass: number;
  regressions: number;
  improvements: number;
  both_fail: number;
}

export const NEWCOMBE_PAIRED_METHOD = 'newcombe_paired_score';

/**
 * Difference of two paired pass rates (candidate − baseline) with Newcombe's method 10 for paired data: combine the
 * Wilson score intervals of the two marginal pass rates, allowing for their correlation φ (Newcombe RG, "Improved
 * confidence intervals for the difference between binomial proportions based on paired data", Statistics in
 * Medicine 17:2635–2650, 1998). φ is the 2×2 table's correlation, with Newcombe's adjustment: when ad − bc exceeds n/2
 * it is reduced by n/2, when it lies in [0, n/2] φ is 0, and when a margin is empty φ is 0.
 * Unlike the Wald interval it never leaves [−1, 1] and behaves with few discordant pairs. No cases → all zeros.
 */
export function pairedProportionDelta(counts: PairedCounts, confidence = 0.95): RateDelta {
  validate(counts, confidence);
  const { both_pass: a, improvements: b, regressions: c, both_fail: d } = counts;
  const n = a + b + c + d;
  if (n === 0) return { baseline: 0, candidate: 0, delta: 0, lower: 0, upper: 0, confidence, method: NEWCOMBE_PAIRED_METHOD };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  // Newcombe's p1 is the candidate's pass rate (a+b)/n, p2 the baseline's (a+c)/n; θ = p1 − p2 = (b − c)/n.
  const candidate = (a + b) / n;
  const baseline = (a + c) / n;
  const [l1, u1] = wilsonInterval(a + b, n, z);
  const [l2, u2] = wilsonInterval(a + c, n, z);
  const phi = adjustedPhi(a, b, c, d);
  const delta = (b - c) / n;
  const dl1 = candidate - l1;
  const du1 = u1 - candidate;
  const dl2 = baseline - l2;
  const du2 = u2 - baseline;
  const lower = delta - Math.sqrt(Math.max(0, dl1 * dl1 - 2 * phi * dl1 * du2 + du2 * du2));
  const upper = delta + Math.sqrt(Math.max(0, du1 * du1 - 2 * phi * du1 * dl2 + dl2 * dl2));
  return { baseline, candidate, delta, lower: Math.max(-1, lower), upper: Math.min(1, upper), confidence, method: NEWCOMBE_PAIRED_METHOD };
}

function validate(counts: PairedCounts, confidence: number): void {
  assertCount(counts.both_pass, 'both_pass');
  assertCount(counts.regressions, 'regressions');
  assertCount(counts.improvements, 'improvements');
  assertCount(counts.both_fail, 'both_fail');
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be between 0 and 1, got ${confidence}`);
}

/** Wilson score interval for x successes out of n (Wilson 1927), n > 0. */
export function wilsonInterval(x: number, n: number, z: number): [number, number] {
  const p = x / n;
  const z2 = z * z;
  const centre = 2 * n * p + z2;
  const spread = z * Math.sqrt(z2 + 4 * n * p * (1 - p));
  const denominator = 2 * (n + z2);
  return [Math.max(0, (centre - spread) / denominator), Math.min(1, (centre + spread) / denominator)];
}

/** Newcombe's adjusted correlation of the paired outcomes (0 when any margin is empty). */
function adjustedPhi(a: number, b: number, c: number, d: number): number {
  const n = a + b + c + d;
  const margins = (a + b) * (c + d) * (a + c) * (b + d);
  if (margins === 0) return 0;
  const cross = a * d - b * c;
  let adjusted = 0;
  if (cross > n / 2) adjusted = cross - n / 2;
  else if (cross < 0) adjusted = cross;
  return adjusted / Math.sqrt(margins);
}
