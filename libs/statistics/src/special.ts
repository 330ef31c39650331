// Special functions used by the tests: log-gamma, the complementary error function and the normal distribution.

const LOG_SQRT_2PI = 0.9189385332046728;
const SQRT_PI = 1.7724538509055159;

/**
 * ln Γ(x) for x > 0: shift x up to ≥ 15 with the recurrence Γ(x+1) = xΓ(x), then Stirling's series
 * (Abramowitz & Stegun 6.1.41). At x ≥ 15 the truncated series is accurate to better than 1e-16 relative.
 */
export function logGamma(x: number): number {
  let shift = 0;
  let z = x;
  while (z < 15) {
    shift += Math.log(z);
    z += 1;
  }
  const inv = 1 / z;
  const inv2 = inv * inv;
  const series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))));
  return (z - 0.5) * Math.log(z) - z + LOG_SQRT_2PI + series - shift;
}

/** ln C(n, k), the log of the binomial coefficient. */
export function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/**
 * erf(x) for 0 ≤ x < 2.5 by the everywhere-positive series erf(x) = 2/√π · e^{-x²} · Σ (2x²)^k x / (1·3·…·(2k+1))
 * (A&S 7.1.6): no cancellation, converges to full double precision.
 */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let k = 1; k < 200 && term > sum * 1e-17; k++) {
    term *= (2 * x2) / (2 * k + 1);
    sum += term;
  }
  return (2 / SQRT_PI) * Math.exp(-x2) * sum;
}

/**
 * erfc(x) for x ≥ 2.5 by Laplace's continued fraction (A&S 7.1.14), evaluated with the modified Lentz method:
 * erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))). Relative error ~1e-15 — the tails
 * keep full relative precision, which a polynomial fit of 1 − erf cannot.
 */
function erfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / SQRT_PI / f;
}

/** Complementary error function with ~1e-15 relative accuracy over the whole real line. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) return 1 - erfSeries(x);
  return erfcContinuedFraction(x);
}

/** Standard normal CDF Φ(z) = erfc(−z/√2)/2, accurate in the far lower tail too. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * Standard normal quantile Φ⁻¹(p): a rational starting value refined by Halley steps against normalCdf, so it
 * is as accurate as Φ itself (~1e-15).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return NaN;
  }
  let x = normalQuantileStart(p);
  for (let i = 0; i < 3; i++) {
    const e = normalCdf(x) - p;
    const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
    x = x - u / (1 + (x * u) / 2);
  }
  return x;
}

/** Coarse Φ⁻¹ starting point (Hastings' rational approximation, A&S 26.2.23, |error| < 4.5e-4), refined by the caller. */
function normalQuantileStart(p: number): number {
  const q = p < 0.5 ? p : 1 - p;
  const t = Math.sqrt(-2 * Math.log(q));
  const x = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
  return p < 0.5 ? -x : x;
}
