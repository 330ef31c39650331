import { erfc, logGamma, normalCdf, normalQuantile } from './special';

/** Relative difference, for checking tail values to ~1e-13 rather than to a fixed number of decimals. */
function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('special functions', () => {
  // Reference values: the standard tables of erfc and Φ (Abramowitz & Stegun, Handbook of Mathematical Functions,
  // Table 7.1 and 26.1) extended to 16 digits as published by NIST DLMF §7 / any arbitrary-precision system.
  it.each([
    [0.5, 0.4795001221869535],
    [1, 0.1572992070502851],
    [2, 0.004677734981047266],
    [3, 2.209049699858544e-5],
    [5, 1.537459794428035e-12],
    [10, 2.088487583762545e-45],
  ])('erfc(%p) matches the tabulated value to 1e-13 relative', (x, expected) => {
    expect(relativeError(erfc(x), expected)).toBeLessThan(1e-13);
  });

  it('erfc is continuous where the series hands over to the continued fraction (x = 2.5)', () => {
    expect(relativeError(erfc(2.5 - 1e-12), erfc(2.5 + 1e-12))).toBeLessThan(1e-10);
    expect(relativeError(erfc(2.5), 4.06952017444959e-4)).toBeLessThan(1e-13);
  });

  it('erfc of negative arguments is 2 − erfc(−x)', () => {
    expect(erfc(-1)).toBeCloseTo(2 - 0.1572992070502851, 15);
    expect(erfc(0)).toBe(1);
  });

  it.each([
    [-1.959963984540054, 0.025],
    [-1, 0.15865525393145707],
    [-5, 2.866515718791939e-7],
    [-10, 7.619853024160527e-24],
    [-20, 2.753624118606233e-89],
  ])('Φ(%p) keeps relative accuracy far into the lower tail', (z, expected) => {
    expect(relativeError(normalCdf(z), expected)).toBeLessThan(1e-12);
  });

  it('normalQuantile inverts Φ (1.959963984540054 at 0.975)', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 14);
    for (const p of [1e-10, 0.001, 0.2, 0.7, 0.999]) expect(relativeError(normalCdf(normalQuantile(p)), p)).toBeLessThan(1e-12);
  });

  it('logGamma matches factorials exactly enough for binomial coefficients', () => {
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(11)).toBeCloseTo(Math.log(3628800), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 14);
    // ln(100!) = 363.73937555556347
    expect(relativeError(logGamma(101), 363.73937555556347)).toBeLessThan(1e-14);
  });
});
