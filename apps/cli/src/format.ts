/** How numbers look in the CLI's text and Markdown: rates as percentages, deltas in percentage points. */

export const pct = (rate: number | null | undefined, digits = 1): string =>
  rate === null || rate === undefined || !Number.isFinite(rate) ? '–' : `${(rate * 100).toFixed(digits)}%`;

/** A difference of two rates in percentage points, with its sign: `+2.0 pp`, `−10.0 pp`. */
export const pp = (delta: number | null | undefined, digits = 1): string => signed(delta === null || delta === undefined ? null : delta * 100, digits, ' pp');

export const num = (value: number | null | undefined, digits = 3): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);

export function signed(value: number | null | undefined, digits = 3, unit = ''): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const rounded = Number(value.toFixed(digits));
  const sign = rounded > 0 ? '+' : rounded < 0 ? '−' : '±';
  return `${sign}${Math.abs(rounded).toFixed(digits)}${unit}`;
}

/** p-values: three significant decimals, and `< 0.001` below that. */
export function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–';
  if (p < 0.001) return '< 0.001';
  return p.toFixed(3);
}

export const shortId = (id: string | null | undefined): string => (id ? id.slice(0, 8) : '–');

/** Left-aligned columns for terminal tables. */
export function columns(rows: string[][], gap = 2): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - [...cell].length + gap)))
      .join('')
      .trimEnd(),
  );
}

/** A Markdown table; pipes in cells are escaped. */
export function markdownTable(header: string[], rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  return [`| ${header.map(esc).join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
