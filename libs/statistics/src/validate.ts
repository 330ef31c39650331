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
