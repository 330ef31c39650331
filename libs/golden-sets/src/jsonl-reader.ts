/** jsonl: one JSON object per line, keys matched through the column aliases line by line. */
import { ALIAS_RANK, ColumnMap, normaliseColumnName, RowCollector } from './file-rows';
import { badEncoding } from './text-file';

export function readJsonl(body: Buffer, rows: RowCollector): ColumnMap {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    throw badEncoding(body);
  }
  const columns = new ColumnMap();
  let line = 0;
  let sawObject = false;
  for (let pos = 0; pos < text.length;) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = text.length;
    const source = text.slice(pos, nl).trim();
    pos = nl + 1;
    line++;
    if (!source) continue;

    rows.count();
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (err) {
      rows.reject(line, [{ field: 'row', message: `is not valid JSON: ${(err as Error).message}` }]);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
      rows.reject(line, [{ field: 'row', message: `must be a JSON object (one case per line), got ${got}` }]);
      continue;
    }
    sawObject = true;
    const raw: Record<string, unknown> = {};
    const rankOf: Record<string, number> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const field = columns.fieldOfKey(key);
      if (!field) continue;
      // Two keys of one line naming the same field: the higher-ranked alias wins, whatever the key order.
      const rank = ALIAS_RANK.get(normaliseColumnName(key)) ?? Number.MAX_SAFE_INTEGER;
      if (field in raw && rankOf[field] <= rank) continue;
      raw[field] = typeof v === 'string' ? v.trim() : v;
      rankOf[field] = rank;
    }
    rows.accept(line, raw);
  }
  if (sawObject && columns.columns.length > 0) columns.requireInput('Each line needs an "input" key or one of its aliases.');
  return columns;
}
