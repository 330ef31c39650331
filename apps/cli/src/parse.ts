import { InvalidArgumentError } from 'commander';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string) => UUID.test(value);

/** Option parsers: a bad value is a usage error naming what was expected. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got "${raw}"`);
    return n;
  };
}

/** A number in [min, max] (a rate or a margin: 0.05, not 5%). */
export function fraction(min = 0, max = 1) {
  return (raw: string): number => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got "${raw}"`);
    return n;
  };
}

export function uuid(raw: string): string {
  if (!isUuid(raw)) throw new InvalidArgumentError(`expected a UUID, got "${raw}"`);
  return raw;
}
