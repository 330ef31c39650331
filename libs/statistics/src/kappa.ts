// Chance-corrected agreement between two raters (a human and a judge) labelling the same cases: how much more often they
// agree than two raters with the same label frequencies would agree by chance.
import { normalQuantile } from './special';

export interface ConfusionMatrix {
  labels: string[];
  /** counts[i][j]: cases the human labelled labels[i] and the judge labelled labels[j]. */
  counts: number[][];
}

export interface KappaResult {
  n: number;
  observed_agreement: number;
  expected_agreement: number;
  kappa: number | null;
  standard_error: number | null;
  lower: number | null;
  upper: number | null;
  confidence: number;
  weights: 'none' | 'linear' | 'quadratic';
  matrix: ConfusionMatrix;
}

type AgreementWeights = number[][];

/**
 * Cohen's kappa of paired nominal labels (human, judge): κ = (p_o − p_e) / (1 − p_e), with p_o the share of exact
 * agreements and p_e the agreement expected from the two raters' label frequencies alone.
 * Empty input → n 0, both agreements 0 and kappa null. When chance agreement is certain (one label everywhere on both
 * sides, p_e = 1) kappa is 0/0 and reported as null, with observed_agreement 1. The confidence interval uses the
 * large-sample standard error of Fleiss, Cohen & Everitt (1969), clipped to [−1, 1].
 * `labels` fixes the label order (and may list labels nobody used); by default it is the sorted union of both sides.
 */
export function cohenKappa(pairs: Array<[string, string]>, options: { labels?: string[]; confidence?: number } = {}): KappaResult {
  const confidence = checkedConfidence(options.confidence);
  const labels = options.labels ? distinctLabels(options.labels) : [...new Set(pairs.flat())].sort();
  const counts = tally(pairs, labels, (label) => label);
  const identity = labels.map((_, i) => labels.map((__, j) => (i === j ? 1 : 0)));
  return agreementResult({ labels, counts }, identity, confidence, 'none');
}

/**
 * Weighted kappa for ordinal labels (numbers): near misses earn partial credit. Agreement weights over the ordered
 * category list are 1 − |i − j| / (k − 1) ('linear') or 1 − (i − j)² / (k − 1)² ('quadratic', the default), where i and
 * j are positions in `categories` sorted ascending (by default the sorted union of observed values), not the values
 * themselves. Same degenerate rules as cohenKappa; the confidence interval uses the Fleiss–Cohen–Everitt (1969)
 * large-sample variance of weighted kappa.
 */
export function weightedKappa(
  pairs: Array<[number, number]>,
  options: { categories?: number[]; weights?: 'linear' | 'quadratic'; confidence?: number } = {},
): KappaResult {
  const confidence = checkedConfidence(options.confidence);
  const scheme = options.weights ?? 'quadratic';
  if (scheme !== 'linear' && scheme !== 'quadratic') throw new RangeError(`weights must be 'linear' or 'quadratic', got ${String(scheme)}`);
  const categories = orderedCategories(options.categories ?? pairs.flat());
  const labels = categories.map(String);
  const counts = tally(pairs, labels, (value) => {
    if (!Number.isFinite(value)) throw new RangeError(`ratings must be finite numbers, got ${value}`);
    return String(value);
  });
  return agreementResult({ labels, counts }, ordinalWeights(categories.length, scheme), confidence, scheme);
}

/** Share of pairs that agree exactly (null when empty). */
export function rawAgreement<T>(pairs: Array<[T, T]>): number | null {
  if (pairs.length === 0) return null;
  let same = 0;
  for (const [a, b] of pairs) if (Object.is(a, b) || a === b) same++;
  return same / pairs.length;
}

function checkedConfidence(confidence = 0.95): number {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be between 0 and 1, got ${confidence}`);
  return confidence;
}

function distinctLabels(labels: string[]): string[] {
  if (new Set(labels).size !== labels.length) throw new RangeError('labels must not repeat');
  return [...labels];
}

/** Ascending, distinct, finite categories. */
function orderedCategories(values: number[]): number[] {
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`categories and ratings must be finite numbers, got ${v}`);
  return [...new Set(values)].sort((a, b) => a - b);
}

/** Confusion counts; a pair whose label is not in the list is a caller bug and throws. */
function tally<T>(pairs: Array<[T, T]>, labels: string[], key: (value: T) => string): number[][] {
  const index = new Map(labels.map((label, i) => [label, i]));
  const counts = labels.map(() => labels.map(() => 0));
  for (const [human, judge] of pairs) {
    const i = index.get(key(human));
    const j = index.get(key(judge));
    if (i === undefined || j === undefined) throw new RangeError(`label not in the label list: ${String(i === undefined ? human : judge)}`);
    counts[i][j]++;
  }
  return counts;
}

/** Agreement weights for k ordered categories (1 on the diagonal, 0 for the two extremes). */
function ordinalWeights(k: number, scheme: 'linear' | 'quadratic'): AgreementWeights {
  const span = Math.max(1, k - 1);
  return Array.from({ length: k }, (_, i) =>
    Array.from({ length: k }, (__, j) => {
      const distance = Math.abs(i - j) / span;
      return scheme === 'linear' ? 1 - distance : 1 - distance * distance;
    }),
  );
}

interface Proportions {
  n: number;
  p: number[][];
  rows: number[];
  cols: number[];
}

function proportions(counts: number[][]): Proportions {
  const n = counts.reduce((sum, row) => sum + row.reduce((s, c) => s + c, 0), 0);
  const p = counts.map((row) => row.map((c) => (n === 0 ? 0 : c / n)));
  const rows = p.map((row) => row.reduce((s, x) => s + x, 0));
  const cols = p.map((_, j) => p.reduce((s, row) => s + row[j], 0));
  return { n, p, rows, cols };
}

function agreementResult(matrix: ConfusionMatrix, w: AgreementWeights, confidence: number, weights: KappaResult['weights']): KappaResult {
  const { n, p, rows, cols } = proportions(matrix.counts);
  const base = { n, confidence, weights, matrix };
  const none = { kappa: null, standard_error: null, lower: null, upper: null };
  if (n === 0) return { ...base, observed_agreement: 0, expected_agreement: 0, ...none };
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < p.length; i++) {
    for (let j = 0; j < p.length; j++) {
      observed += w[i][j] * p[i][j];
      expected += w[i][j] * rows[i] * cols[j];
    }
  }
  // With certain chance agreement both sides of the ratio vanish; rounding must not turn 0/0 into a number.
  if (expected >= 1 - 1e-12) return { ...base, observed_agreement: Math.min(1, observed), expected_agreement: 1, ...none };
  const kappa = (observed - expected) / (1 - expected);
  const standardError = Math.sqrt(kappaVariance({ n, p, rows, cols }, w, kappa, expected));
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const lower = Math.max(-1, kappa - z * standardError);
  const upper = Math.min(1, kappa + z * standardError);
  return { ...base, observed_agreement: observed, expected_agreement: expected, kappa, standard_error: standardError, lower, upper };
}

/**
 * Large-sample variance of (weighted) kappa, Fleiss, Cohen & Everitt (1969), eq. 15:
 * Var = [Σ_ij p_ij (w_ij − (w̄_i· + w̄_·j)(1 − κ))² − (κ − p_e(1 − κ))²] / (n (1 − p_e)²),
 * with w̄_i· = Σ_j p_·j w_ij and w̄_·j = Σ_i p_i· w_ij. With identity weights it is the unweighted kappa's variance.
 */
function kappaVariance(props: Proportions, w: AgreementWeights, kappa: number, expected: number): number {
  const { n, p, rows, cols } = props;
  const k = p.length;
  const rowMean = w.map((row) => row.reduce((s, wij, j) => s + wij * cols[j], 0));
  const colMean = Array.from({ length: k }, (_, j) => w.reduce((s, row, i) => s + row[j] * rows[i], 0));
  let sum = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const deviation = w[i][j] - (rowMean[i] + colMean[j]) * (1 - kappa);
      sum += p[i][j] * deviation * deviation;
    }
  }
  const correction = kappa - expected * (1 - kappa);
  return Math.max(0, (sum - correction * correction) / (n * (1 - expected) ** 2));
}
