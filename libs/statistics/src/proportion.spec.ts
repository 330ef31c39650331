import { pairedProportionDelta, wilsonInterval } from './proportion';

describe('pairedProportionDelta', () => {
  // Fagerland, Lydersen & Laake, "Statistical Analysis of Contingency Tables" (2017), chapter 8 example: complete
  // response before/after consolidation therapy (Cavo et al. 2012), table [[59, 6], [16, 80]]. Newcombe's
  // square-and-add interval (method 10 of Newcombe 1998) for the paired difference: estimate −0.0621,
  // 95% CI −0.1186 to −0.0046 (also asserted in the R package contingencytables' own tests).
  it('reproduces the published Cavo et al. example: −0.0621 (−0.1186 to −0.0046)', () => {
    // Row 1 = "after" positive; after − before = (6 − 16)/161. Our candidate plays "after", baseline "before".
    const result = pairedProportionDelta({ both_pass: 59, improvements: 6, regressions: 16, both_fail: 80 });
    expect(result.delta).toBeCloseTo(-0.0621, 4);
    expect(result.lower).toBeCloseTo(-0.1186, 4);
    expect(result.upper).toBeCloseTo(-0.0046, 4);
    expect(result.candidate).toBeCloseTo(65 / 161, 12);
    expect(result.baseline).toBeCloseTo(75 / 161, 12);
    expect(result.method).toBe('newcombe_paired_score');
    expect(result.confidence).toBe(0.95);
  });

  it('is antisymmetric: swapping regressions and improvements mirrors the interval', () => {
    const a = pairedProportionDelta({ both_pass: 59, improvements: 6, regressions: 16, both_fail: 80 });
    const b = pairedProportionDelta({ both_pass: 59, improvements: 16, regressions: 6, both_fail: 80 });
    expect(b.delta).toBeCloseTo(-a.delta, 14);
    expect(b.lower).toBeCloseTo(-a.upper, 14);
    expect(b.upper).toBeCloseTo(-a.lower, 14);
  });

  it('Wilson interval matches the textbook value for 15/148 (Newcombe 1998, single-proportion paper: 0.0624 to 0.1605)', () => {
    const [lower, upper] = wilsonInterval(15, 148, 1.959963984540054);
    expect(lower).toBeCloseTo(0.0624, 4);
    expect(upper).toBeCloseTo(0.1605, 4);
  });

  it('no discordant pairs: delta 0 with an interval around it', () => {
    const result = pairedProportionDelta({ both_pass: 10, improvements: 0, regressions: 0, both_fail: 0 });
    expect(result).toMatchObject({ baseline: 1, candidate: 1, delta: 0 });
    expect(result.lower).toBeLessThan(0);
    expect(result.upper).toBeGreaterThan(0);
  });

  it('all cases regressed: delta −1, interval stays within [−1, 1]', () => {
    const result = pairedProportionDelta({ both_pass: 0, improvements: 0, regressions: 10, both_fail: 0 });
    expect(result).toMatchObject({ baseline: 1, candidate: 0, delta: -1, lower: -1 });
    expect(result.upper).toBeLessThan(0);
  });

  it('one case and no cases', () => {
    const one = pairedProportionDelta({ both_pass: 0, improvements: 1, regressions: 0, both_fail: 0 });
    expect(one.delta).toBe(1);
    expect(one.lower).toBeGreaterThanOrEqual(-1);
    expect(one.upper).toBe(1);
    expect(pairedProportionDelta({ both_pass: 0, improvements: 0, regressions: 0, both_fail: 0 })).toMatchObject({ delta: 0, lower: 0, upper: 0 });
  });

  it('a higher confidence level widens the interval', () => {
    const counts = { both_pass: 40, improvements: 3, regressions: 9, both_fail: 20 };
    const c90 = pairedProportionDelta(counts, 0.9);
    const c99 = pairedProportionDelta(counts, 0.99);
    expect(c99.lower).toBeLessThan(c90.lower);
    expect(c99.upper).toBeGreaterThan(c90.upper);
  });

  it('50,000 cases: finite, tight interval', () => {
    const result = pairedProportionDelta({ both_pass: 40_000, improvements: 400, regressions: 600, both_fail: 9_000 });
    expect(result.delta).toBeCloseTo(-200 / 50_000, 12);
    expect(result.upper - result.lower).toBeLessThan(0.01);
    expect(result.upper).toBeLessThan(0);
  });

  it('rejects bad counts and confidence levels', () => {
    expect(() => pairedProportionDelta({ both_pass: -1, improvements: 0, regressions: 0, both_fail: 0 })).toThrow(RangeError);
    expect(() => pairedProportionDelta({ both_pass: 1, improvements: 0, regressions: 0, both_fail: 0 }, 1.5)).toThrow(RangeError);
  });
});
