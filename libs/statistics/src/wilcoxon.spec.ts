import { normalCdf } from './special';
import { wilcoxonSignedRank } from './wilcoxon';

/** Independent reference: enumerate all 2^n sign patterns of the given ranks and compute the two-sided exact p. */
function bruteForceP(ranks: number[], observedWPlus: number): number {
  const total = ranks.reduce((s, r) => s + r, 0);
  const mean = total / 2;
  let atLeastAsExtreme = 0;
  const patterns = 1 << ranks.length;
  for (let mask = 0; mask < patterns; mask++) {
    let w = 0;
    for (let i = 0; i < ranks.length; i++) if (mask & (1 << i)) w += ranks[i];
    if (Math.abs(w - mean) >= Math.abs(observedWPlus - mean) - 1e-9) atLeastAsExtreme++;
  }
  return Math.min(1, atLeastAsExtreme / patterns);
}

describe('wilcoxonSignedRank', () => {
  // Hollander & Wolfe (1973), Nonparametric Statistical Methods, p. 29f: Hamilton depression scale factor IV at the
  // first (x) and second (y) visit after a tranquilizer. R's wilcox.test documentation uses this data:
  // wilcox.test(x, y, paired = TRUE, alternative = "greater") → V = 40, p-value = 0.01953; two-sided p = 0.03906.
  it('reproduces the Hollander & Wolfe depression example from the R documentation (V = 40, p = 0.03906)', () => {
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const result = wilcoxonSignedRank(x.map((v, i) => v - y[i]));
    expect(result).toMatchObject({ n: 9, n_nonzero: 9, w_plus: 40, w_minus: 5, statistic: 40, z: null, method: 'exact' });
    expect(result.p_value).toBeCloseTo(0.0390625, 12); // 2 · 10/512
  });

  // SciPy's scipy.stats.wilcoxon documentation example: Darwin's cross- vs self-fertilized corn heights (Fisher,
  // The Design of Experiments): wilcoxon(d) → (statistic 24.0 = min(W+, W−), p-value 0.041259765625).
  it('reproduces the SciPy documentation example on Darwin’s corn data (W− = 24, p = 0.041259765625)', () => {
    const d = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75];
    const result = wilcoxonSignedRank(d);
    expect(result.w_minus).toBe(24);
    expect(result.w_plus).toBe(96);
    expect(result.p_value).toBe(0.041259765625);
  });

  it('drops zero differences before ranking (Wilcoxon’s method) but counts them in n', () => {
    const withZeros = wilcoxonSignedRank([0, 6, 0, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75]);
    expect(withZeros.n).toBe(17);
    expect(withZeros.n_nonzero).toBe(15);
    expect(withZeros.p_value).toBe(0.041259765625);
  });

  it('uses midranks for ties and an exact p-value that matches full enumeration', () => {
    // |d| ranks: 1 → 1.5, 1.5; 2 → 3; 3 → 5, 5, 5; 4 → 7; 5 → 8.5, 8.5
    const d = [1, -1, 2, 3, -3, 3, 4, -5, 5];
    const result = wilcoxonSignedRank(d);
    expect(result.w_minus).toBe(1.5 + 5 + 8.5);
    expect(result.w_plus).toBe(1.5 + 3 + 5 + 5 + 7 + 8.5);
    expect(result.method).toBe('exact');
    expect(result.p_value).toBeCloseTo(bruteForceP([1.5, 1.5, 3, 5, 5, 5, 7, 8.5, 8.5], result.w_plus), 14);
  });

  it('matches full enumeration on random small samples with and without ties', () => {
    let state = 7;
    const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + Math.floor(next() * 14);
      const d = Array.from({ length: n }, () => Math.round((next() - 0.4) * 10));
      const result = wilcoxonSignedRank(d);
      if (result.n_nonzero === 0) continue;
      const nonzero = d.filter((v) => v !== 0);
      const sortedAbs = nonzero.map(Math.abs).sort((a, b) => a - b);
      const ranks = nonzero.map((v) => {
        const first = sortedAbs.indexOf(Math.abs(v));
        const last = sortedAbs.lastIndexOf(Math.abs(v));
        return (first + last + 2) / 2;
      });
      expect(result.p_value).toBeCloseTo(bruteForceP(ranks, result.w_plus), 12);
    }
  });

  it('switches to the normal approximation above 25 nonzero differences, with tie and continuity corrections', () => {
    // 30 differences: 1..30 with signs, a tie group of three at |d| = 31.
    const d = [...Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? -(i + 1) : i + 1)), 31, 31, -31];
    const result = wilcoxonSignedRank(d);
    expect(result.method).toBe('normal_approximation');
    const n = 33;
    // Independent computation of the textbook formula.
    const negatives = [1, 4, 7, 10, 13, 16, 19, 22, 25, 28].reduce((s, r) => s + r, 0) + 32; // tied ranks 31,32,33 → 32
    const wPlus = (n * (n + 1)) / 2 - negatives;
    const variance = (n * (n + 1) * (2 * n + 1)) / 24 - (27 - 3) / 48;
    const z = (wPlus - (n * (n + 1)) / 4 - 0.5) / Math.sqrt(variance);
    expect(result.w_plus).toBe(wPlus);
    expect(result.z).toBeCloseTo(z, 12);
    expect(result.p_value).toBeCloseTo(2 * (1 - normalCdf(z)), 12);
  });

  it('empty input and all-zero differences → p = 1', () => {
    expect(wilcoxonSignedRank([])).toMatchObject({ n: 0, n_nonzero: 0, w_plus: 0, w_minus: 0, p_value: 1 });
    expect(wilcoxonSignedRank([0, 0, 0])).toMatchObject({ n: 3, n_nonzero: 0, p_value: 1 });
  });

  it('treats floating-point noise as zero and as ties', () => {
    // 0.1 + 0.2 − 0.3 is 5.6e-17, not a real change; 0.3 − 0.1 and 0.7 − 0.5 are the same change of 0.2.
    const result = wilcoxonSignedRank([0.1 + 0.2 - 0.3, 0.3 - 0.1, 0.7 - 0.5, -0.1]);
    expect(result.n_nonzero).toBe(3);
    expect(result.w_plus).toBe(2.5 + 2.5);
    expect(result.w_minus).toBe(1);
  });

  it('a single nonzero difference is never significant', () => {
    expect(wilcoxonSignedRank([-0.4]).p_value).toBe(1);
  });

  it('all cases got worse: smallest exact p for the size', () => {
    const result = wilcoxonSignedRank(Array.from({ length: 10 }, (_, i) => -(i + 1) / 10));
    expect(result.w_plus).toBe(0);
    expect(result.w_minus).toBe(55);
    expect(result.p_value).toBeCloseTo(2 / 1024, 15);
  });

  it('50,000 score differences: finite values, well under a second', () => {
    // Measured: ~0.1 s for 50,000 differences (cleaning and sorting |d|).
    const d = Array.from({ length: 50_000 }, (_, i) => (((i * 7919) % 201) - 100) / 1000 + (i % 5 === 0 ? -0.01 : 0));
    const result = wilcoxonSignedRank(d);
    expect(result.method).toBe('normal_approximation');
    expect(Number.isFinite(result.z)).toBe(true);
    expect(result.p_value).toBeGreaterThanOrEqual(0);
    expect(result.p_value).toBeLessThanOrEqual(1);
    expect(result.w_plus + result.w_minus).toBe((result.n_nonzero * (result.n_nonzero + 1)) / 2);
  });

  it('rejects non-finite differences', () => {
    expect(() => wilcoxonSignedRank([1, NaN])).toThrow(RangeError);
  });
});
