/**
 * The one text of a JSON value that launch evidence hashes and signs, so anyone can recompute it:
 * the JSON Canonicalization Scheme (RFC 8785) for the values evidence holds.
 *
 * - Objects: members sorted by key, compared as UTF-16 code units (JavaScript's default string
 *   order); members whose value is `undefined` are left out, as JSON.stringify does.
 * - No whitespace anywhere.
 * - Strings: JSON.stringify's escaping (`\"`, `\\`, `\b \f \n \r \t`, other controls as lowercase
 *   `\u00xx`, everything else as the character itself, UTF-8 encoded when hashed).
 * - Numbers: finite only (NaN and Infinity are refused), written as ECMAScript writes them (shortest
 *   text that reads back as the same double: `4.5`, `1e+30`, `1e-7`, `-0` as `0`).
 * - Dates: their ISO 8601 UTC text with milliseconds (`2026-01-02T03:04:05.678Z`), as a string.
 * - `null`, `true`, `false` as such; anything else (functions, symbols, bigints) is refused.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError(`canonical JSON: invalid date at ${path}`);
    return JSON.stringify(value.toISOString());
  }
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON: ${value} at ${path} is not a finite number`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v, i) => (v === undefined ? 'null' : write(v, `${path}[${i}]`))).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const members = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${write(obj[k], `${path}.${k}`)}`);
      return `{${members.join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON: a ${typeof value} at ${path} has no JSON form`);
  }
}
