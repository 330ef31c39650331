// Input checks: bad input is a caller bug, so it throws instead of producing a misleading p-value.

/** Counts must be non-negative integers. */
export function assertCount(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
}

/** Every paired difference must be a finite number (NaN or ±Infinity would silently poison ranks and means). */
export function assertFiniteValues(values: readonly number[], name: string): void {
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`${name} must contain only finite numbers, got ${v}`);
  }
}

/** Below this, a paired difference is floating-point noise from subtracting two equal scores and counts as zero. */
export const ZERO_TOLERANCE = 1e-12;

/**
 * Cleans a score difference before it is signed or ranked: |d| < 1e-12 becomes 0, and the rest is rounded to
 * 12 significant digits so that equal changes computed from different scores (0.3 − 0.1 vs 0.7 − 0.5) tie
 * instead of getting different ranks from rounding noise.
 */
export function cleanDifference(d: number): number {
  if (Math.abs(d) < ZERO_TOLERANCE) return 0;
  return Number(d.toPrecision(12));
}
