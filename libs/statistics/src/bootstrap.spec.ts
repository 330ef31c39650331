import { BOOTSTRAP_DRAW_BUDGET, budgetedIterations, pairedBootstrapMeanCI } from './bootstrap';
import { mulberry32 } from './prng';

describe('mulberry32', () => {
  it('gives the same sequence for the same seed, pinned so a platform difference would show', () => {
    const random = mulberry32(1);
    expect([random(), random(), random()]).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
    expect(mulberry32(42)()).toBe(0.6011037519201636);
  });

  it('stays in [0, 1) and looks uniform', () => {
    const random = mulberry32(7);
    const buckets = new Array<number>(10).fill(0);
    let outOfRange = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = random();
      if (!(u >= 0 && u < 1)) outOfRange++;
      else buckets[Math.floor(u * 10)]++;
    }
    expect(outOfRange).toBe(0);
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });
});

describe('pairedBootstrapMeanCI', () => {
  const sample = [0.5, -0.25, 1, 0, 0.75, -0.5, 0.25, 1.5];

  it('is deterministic for a seed (pinned interval for seed 1)', () => {
    expect(pairedBootstrapMeanCI(sample)).toEqual({ mean: 0.40625, lower: 0, upper: 0.8125, confidence: 0.95, iterations: 2000, seed: 1 });
    expect(pairedBootstrapMeanCI(sample, { seed: 9 })).toEqual(pairedBootstrapMeanCI(sample, { seed: 9 }));
  });

  it('different seeds give (slightly) different intervals around the same mean', () => {
    const a = pairedBootstrapMeanCI(sample, { seed: 1, iterations: 500 });
    const b = pairedBootstrapMeanCI(sample, { seed: 2, iterations: 500 });
    expect(a.mean).toBe(b.mean);
    expect([a.lower, a.upper]).not.toEqual([b.lower, b.upper]);
  });

  it('contains the observed mean and widens with the confidence level', () => {
    const narrow = pairedBootstrapMeanCI(sample, { confidence: 0.5 });
    const wide = pairedBootstrapMeanCI(sample, { confidence: 0.99 });
    for (const ci of [narrow, wide]) {
      expect(ci.lower).toBeLessThanOrEqual(ci.mean);
      expect(ci.upper).toBeGreaterThanOrEqual(ci.mean);
    }
    expect(wide.upper - wide.lower).toBeGreaterThan(narrow.upper - narrow.lower);
  });

  it('covers the true mean about 95% of the time on a known distribution', () => {
    // 200 samples of 40 draws from Uniform(−0.3, 0.7), true mean 0.2. The percentile interval is known to
    // under-cover slightly at small n (Efron & Tibshirani 1993, ch. 13), hence the tolerance.
    const generator = mulberry32(2024);
    let covered = 0;
    for (let trial = 0; trial < 200; trial++) {
      const data = Array.from({ length: 40 }, () => generator() - 0.3);
      const ci = pairedBootstrapMeanCI(data, { seed: trial + 1, iterations: 1000 });
      if (ci.lower <= 0.2 && 0.2 <= ci.upper) covered++;
    }
    expect(covered / 200).toBeGreaterThan(0.88);
    expect(covered / 200).toBeLessThan(0.99);
  });

  it('constant differences give a zero-width interval at that value; one case too', () => {
    expect(pairedBootstrapMeanCI([0.25, 0.25, 0.25])).toMatchObject({ mean: 0.25, lower: 0.25, upper: 0.25 });
    expect(pairedBootstrapMeanCI([-1])).toMatchObject({ mean: -1, lower: -1, upper: -1 });
  });

  it('empty input → mean, lower and upper 0', () => {
    expect(pairedBootstrapMeanCI([])).toEqual({ mean: 0, lower: 0, upper: 0, confidence: 0.95, iterations: 2000, seed: 1 });
  });

  it('caps the work for large inputs and reports the iterations used', () => {
    expect(budgetedIterations(2000, 10_000)).toBe(2000);
    expect(budgetedIterations(2000, 50_000)).toBe(BOOTSTRAP_DRAW_BUDGET / 50_000);
    expect(budgetedIterations(2000, 10_000_000)).toBe(200);
    expect(budgetedIterations(100, 1_000_000)).toBe(100);
  });

  it('50,000 pass/fail differences: finite, sensible and fast', () => {
    // Measured: 0.15–0.3 s for 50,000 differences (400 resamples × 50,000 draws), under the test runner too.
    const d = Array.from({ length: 50_000 }, (_, i) => (i % 10 === 0 ? -1 : i % 25 === 0 ? 1 : 0));
    const ci = pairedBootstrapMeanCI(d);
    expect(ci.iterations).toBe(400);
    expect(ci.mean).toBeCloseTo(-0.1 + 0.02, 10);
    expect(ci.lower).toBeLessThan(ci.mean);
    expect(ci.upper).toBeGreaterThan(ci.mean);
    expect(ci.upper - ci.lower).toBeLessThan(0.01);
  });

  it('rejects bad options and non-finite differences', () => {
    expect(() => pairedBootstrapMeanCI([1], { iterations: 0 })).toThrow(RangeError);
    expect(() => pairedBootstrapMeanCI([1], { confidence: 1 })).toThrow(RangeError);
    expect(() => pairedBootstrapMeanCI([1], { seed: 1.5 })).toThrow(RangeError);
    expect(() => pairedBootstrapMeanCI([NaN])).toThrow(RangeError);
  });
});
