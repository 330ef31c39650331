import { mcnemarExact } from './mcnemar';

/** Exact two-sided p for Bin(n, 1/2) computed independently with BigInt combinatorics (no floating point). */
function exactTwoSidedP(x: number, n: number): number {
  if (n === 0) return 1;
  const k = Math.min(x, n - x);
  let tail = 0n;
  let coefficient = 1n; // C(n, 0)
  for (let i = 0; i <= k; i++) {
    tail += coefficient;
    coefficient = (coefficient * BigInt(n - i)) / BigInt(i + 1);
  }
  const p = Number((2n * tail * 10n ** 18n) / 2n ** BigInt(n)) / 1e18;
  return Math.min(1, p);
}

describe('mcnemarExact', () => {
  it('reproduces binom.test(3, 12): two-sided p = 0.1460 (R documentation style value)', () => {
    const result = mcnemarExact(3, 9);
    // 2·(C(12,0)+C(12,1)+C(12,2)+C(12,3))/2^12 = 2·299/4096 = 0.14599609375
    expect(result.p_value).toBeCloseTo(598 / 4096, 14);
    expect(result).toMatchObject({ regressions: 3, improvements: 9, discordant: 12, method: 'exact_binomial' });
  });

  // Data sets from Fagerland, Lydersen & Laake, "The McNemar test for binary matched-pairs data: mid-p and asymptotic
  // are better than exact conditional", BMC Medical Research Methodology 13:91 (2013), also the chapter 8 examples of
  // their book "Statistical Analysis of Contingency Tables" (2017): airway hyper-responsiveness before/after stem cell
  // transplantation (Bentur et al. 2009, discordant 1 vs 7) and complete response before/after consolidation therapy
  // (Cavo et al. 2012, discordant 6 vs 16). Exact conditional p-values: 0.070 and 0.052.
  it.each([
    [1, 7, 0.0703125],
    [6, 16, 0.052478790283203125],
  ])('published matched-pairs examples: b=%p, c=%p → p=%p', (b, c, expected) => {
    expect(mcnemarExact(b, c).p_value).toBeCloseTo(expected, 14);
    expect(mcnemarExact(c, b).p_value).toBeCloseTo(expected, 14);
  });

  it('agrees with exact integer combinatorics for every table with up to 60 discordant pairs', () => {
    for (let n = 1; n <= 60; n++) {
      for (let b = 0; b <= n; b++) {
        const p = mcnemarExact(b, n - b).p_value;
        expect(Math.abs(p - exactTwoSidedP(b, n))).toBeLessThan(1e-12 * Math.max(1, exactTwoSidedP(b, n)) + 1e-17);
      }
    }
  });

  it('keeps relative precision for tiny p-values (1000 discordant pairs all one way: p = 2^-999)', () => {
    const p = mcnemarExact(1000, 0).p_value;
    expect(p).toBeGreaterThan(0);
    expect(Math.abs(p / Math.pow(2, -999) - 1)).toBeLessThan(1e-10);
  });

  it('no discordant pairs → p = 1', () => {
    expect(mcnemarExact(0, 0)).toEqual({ regressions: 0, improvements: 0, discordant: 0, p_value: 1, method: 'exact_binomial' });
  });

  it('equal regressions and improvements → p = 1', () => {
    expect(mcnemarExact(7, 7).p_value).toBe(1);
  });

  it('a single discordant pair is never significant (p = 1)', () => {
    expect(mcnemarExact(1, 0).p_value).toBe(1);
  });

  it('every case regressed: p = 2·0.5^n', () => {
    expect(mcnemarExact(10, 0).p_value).toBeCloseTo(2 / 1024, 15);
  });

  it('50,000+ discordant pairs: finite, in range and fast', () => {
    // Measured: ~0.2 ms for 100,000 discordant pairs (the tail walk stops once terms stop mattering).
    const near = mcnemarExact(50_000, 50_000);
    const shifted = mcnemarExact(49_500, 50_500);
    expect(near.p_value).toBe(1);
    expect(Number.isFinite(shifted.p_value)).toBe(true);
    // Normal approximation for comparison: z = (1000 − 1)/√100000 ≈ 3.159 → p ≈ 0.00158.
    expect(shifted.p_value).toBeGreaterThan(0.0014);
    expect(shifted.p_value).toBeLessThan(0.0018);
  });

  it('rejects counts that are not non-negative integers', () => {
    expect(() => mcnemarExact(-1, 2)).toThrow(RangeError);
    expect(() => mcnemarExact(1.5, 2)).toThrow(RangeError);
    expect(() => mcnemarExact(NaN, 2)).toThrow(RangeError);
  });
});
