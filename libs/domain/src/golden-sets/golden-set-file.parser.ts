/**
 * Reads a golden-set file (csv, jsonl, xlsx) into canonical cases plus a report of what was found.
 * Whole-file problems throw GoldenSetFileError; problems with single rows are reported per row and
 * the remaining rows are still returned, so the caller decides what "all rows invalid" means.
 */
import { pipeline } from 'node:stream/promises';
import { CsvError, parse as createCsvParser } from 'csv-parse';
import { Workbook } from 'exceljs';
import { CaseInput, validateCaseInput } from './case-input';

export type GoldenSetFileFormat = 'csv' | 'jsonl' | 'xlsx';

export interface FileRowIssue {
  /** 1-based as the user sees it: csv = line where the record starts (header is line 1), xlsx = sheet row, jsonl = line. */
  row: number;
  field: string;
  message: string;
}

export interface FileIngestReport {
  format: GoldenSetFileFormat;
  total_rows: number;
  accepted_rows: number;
  rejected_rows: number;
  columns: string[];
  column_mapping: Record<string, string>;
  ignored_columns: string[];
  issues: FileRowIssue[];
  issues_truncated: boolean;
}

export interface ParsedGoldenSetFile {
  cases: CaseInput[];
  report: FileIngestReport;
}

export interface FileParseLimits {
  max_bytes: number;
  max_rows: number;
}

export type GoldenSetFileErrorReason = 'too_large' | 'too_many_rows' | 'empty' | 'unreadable' | 'bad_encoding' | 'missing_columns';

export class GoldenSetFileError extends Error {
  override readonly name = 'GoldenSetFileError';

  constructor(
    readonly reason: GoldenSetFileErrorReason,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Canonical field -> accepted column names (compared after trim, lowercase, spaces/dashes -> underscore). */
export const GOLDEN_SET_COLUMN_ALIASES: Record<string, string[]> = {
  input: ['input', 'question', 'prompt', 'query', 'user_input', 'utterance'],
  expected_answer: ['expected_answer', 'answer', 'expected', 'expected_output', 'reference_answer', 'ground_truth', 'gold_answer'],
  expected_sources: ['expected_sources', 'sources', 'source', 'references', 'expected_source', 'citations'],
  criteria: ['criteria', 'rubric', 'evaluation_criteria', 'grading_criteria'],
  dimensions: ['dimensions', 'dimension', 'criteria_dimensions'],
  evaluation_mode: ['evaluation_mode', 'mode', 'eval_mode'],
  difficulty: ['difficulty', 'level'],
  scenario_type: ['scenario_type', 'scenario', 'case_type', 'type'],
  capability: ['capability', 'skill', 'category'],
  tags: ['tags', 'labels'],
  external_id: ['external_id', 'id', 'case_id', 'case_key'],
};

export const MAX_REPORTED_ISSUES = 1000;

const normaliseColumnName = (name: string) => name.trim().toLowerCase().replace(/[\s-]+/g, '_');

// A Map, not an object: a header such as "constructor" must not resolve through Object.prototype.
const ALIAS_INDEX = new Map<string, string>();
/** Position of an alias in its field's list: the canonical name first, then the likelier aliases. */
const ALIAS_RANK = new Map<string, number>();
for (const [field, aliases] of Object.entries(GOLDEN_SET_COLUMN_ALIASES)) {
  aliases.forEach((alias, i) => {
    ALIAS_INDEX.set(normaliseColumnName(alias), field);
    ALIAS_RANK.set(normaliseColumnName(alias), i);
  });
}

const CSV_CHUNK_BYTES = 64 * 1024;
// exceljs inflates the whole workbook into memory, so the unpacked size is what costs memory and time.
const XLSX_MAX_EXPANSION = 10;
const XLSX_MIN_UNPACKED_BUDGET = 32 * 1024 * 1024;

export async function parseGoldenSetFile(format: GoldenSetFileFormat, content: Buffer, limits: FileParseLimits): Promise<ParsedGoldenSetFile> {
  if (content.length > limits.max_bytes) {
    throw new GoldenSetFileError('too_large', `the file is ${content.length} bytes; the limit is ${limits.max_bytes} bytes`, {
      size_bytes: content.length,
      max_bytes: limits.max_bytes,
    });
  }
  if (content.length === 0) throw new GoldenSetFileError('empty', 'the file is empty');

  const rows = new RowCollector(limits.max_rows);
  let columns: ColumnMap;
  if (format !== 'csv' && format !== 'jsonl' && format !== 'xlsx') {
    // Callers may pass detectFormat()'s result straight through; never read a file as the wrong format.
    throw new TypeError(`unsupported golden-set file format: ${String(format)}`);
  }
  if (format === 'xlsx') {
    columns = await readXlsx(content, rows, limits);
  } else {
    const body = textBody(content, format);
    columns = format === 'csv' ? await readCsv(body, rows) : readJsonl(body, rows);
  }
  if (rows.total === 0) {
    throw new GoldenSetFileError('empty', columns.columns.length ? 'the file has a header but no data rows' : 'the file has no data rows', {
      columns: columns.columns,
    });
  }
  return {
    cases: rows.cases,
    report: {
      format,
      total_rows: rows.total,
      accepted_rows: rows.cases.length,
      rejected_rows: rows.rejected,
      columns: columns.columns,
      column_mapping: columns.mapping,
      ignored_columns: columns.ignored,
      issues: rows.issues,
      issues_truncated: rows.issuesTruncated,
    },
  };
}

const FORMAT_BY_EXTENSION = new Map<string, GoldenSetFileFormat>([
  ['csv', 'csv'],
  ['tsv', 'csv'],
  ['jsonl', 'jsonl'],
  ['ndjson', 'jsonl'],
  ['jsonlines', 'jsonl'],
  ['xlsx', 'xlsx'],
]);

/** Guesses the format from the file name first (browsers often send generic content types), then the content type. */
export function detectFormat(filename: string | undefined, contentType: string | undefined): GoldenSetFileFormat | null {
  const name = (filename ?? '').trim().toLowerCase();
  const dot = name.lastIndexOf('.');
  const ext = dot >= 0 ? name.slice(dot + 1) : '';
  const byExtension = FORMAT_BY_EXTENSION.get(ext);
  if (byExtension) return byExtension;

  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  switch (type) {
    case 'text/csv':
    case 'application/csv':
    case 'text/comma-separated-values':
    case 'text/tab-separated-values':
      return 'csv';
    case 'application/jsonl':
    case 'application/x-jsonl':
    case 'application/jsonlines':
    case 'application/x-jsonlines':
    case 'application/ndjson':
    case 'application/x-ndjson':
      return 'jsonl';
    case 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet':
      return 'xlsx';
    default:
      // application/vnd.ms-excel is deliberately absent: Windows browsers send it for .csv as well as .xls.
      return null;
  }
}

class RowCollector {
  readonly cases: CaseInput[] = [];
  readonly issues: FileRowIssue[] = [];
  issuesTruncated = false;
  total = 0;
  rejected = 0;

  constructor(private readonly maxRows: number) {}

  /** Called for every non-empty data row before it is validated, so an oversized file stops early. */
  count(): void {
    this.total++;
    if (this.total > this.maxRows) {
      throw new GoldenSetFileError('too_many_rows', `the file has more than ${this.maxRows} data rows`, { max_rows: this.maxRows });
    }
  }

  accept(row: number, raw: Record<string, unknown>, cellIssues: { field: string; message: string }[] = []): void {
    const result = validateCaseInput(raw);
    if (result.ok && cellIssues.length === 0) {
      this.cases.push(result.value);
      return;
    }
    const faulty = new Set(cellIssues.map((i) => i.field));
    // A field whose cell was unusable was left out of `raw`; its "is required" would only repeat the cell issue.
    const validation = result.ok ? [] : result.issues.filter((i) => !faulty.has(i.field));
    this.reject(row, [...cellIssues, ...validation]);
  }

  reject(row: number, issues: { field: string; message: string }[]): void {
    this.rejected++;
    for (const issue of issues) {
      if (this.issues.length >= MAX_REPORTED_ISSUES) {
        this.issuesTruncated = true;
        return;
      }
      this.issues.push({ row, field: issue.field, message: issue.message });
    }
  }
}

/** Maps found column names to canonical fields; the first column claiming a field wins. */
class ColumnMap {
  readonly columns: string[] = [];
  readonly mapping: Record<string, string> = {};
  readonly ignored: string[] = [];
  private readonly claimed = new Set<string>();
  private readonly byName = new Map<string, string | null>();

  add(name: string): string | null {
    this.columns.push(name);
    const field = ALIAS_INDEX.get(normaliseColumnName(name));
    if (field === undefined || this.claimed.has(field)) {
      this.ignored.push(name);
      if (!this.byName.has(name)) this.byName.set(name, null);
      return null;
    }
    this.claimed.add(field);
    this.mapping[name] = field;
    this.byName.set(name, field);
    return field;
  }

  /**
   * jsonl keys: every line is its own object, so aliases resolve per line (`question` on one line and
   * `input` on the next both mean input); the report lists each key once with its field.
   */
  fieldOfKey(key: string): string | null {
    const known = this.byName.get(key);
    if (known !== undefined) return known;
    const field = ALIAS_INDEX.get(normaliseColumnName(key)) ?? null;
    this.byName.set(key, field);
    this.columns.push(key);
    if (field) {
      this.claimed.add(field);
      this.mapping[key] = field;
    } else {
      this.ignored.push(key);
    }
    return field;
  }

  /** Unnamed columns are only worth reporting once a row actually puts data in them. */
  addUnnamed(label: string): void {
    if (this.byName.has(label)) return;
    this.byName.set(label, null);
    this.columns.push(label);
    this.ignored.push(label);
  }

  requireInput(hint: string): void {
    if (this.claimed.has('input')) return;
    throw new GoldenSetFileError(
      'missing_columns',
      `no column maps to "input" (accepted names: ${GOLDEN_SET_COLUMN_ALIASES.input.join(', ')}); ` +
        `found: ${this.columns.length ? this.columns.map((c) => JSON.stringify(c)).join(', ') : 'none'}. ${hint}`,
      { found: this.columns, required: ['input'], accepted_names: { input: GOLDEN_SET_COLUMN_ALIASES.input } },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Text formats

/** Returns the file body without a UTF-8 BOM, after refusing encodings we cannot read as UTF-8. */
function textBody(content: Buffer, format: 'csv' | 'jsonl'): Buffer {
  if ((content[0] === 0xff && content[1] === 0xfe) || (content[0] === 0xfe && content[1] === 0xff)) {
    throw new GoldenSetFileError('bad_encoding', 'the file is UTF-16 encoded; save it as UTF-8 (in Excel: "CSV UTF-8") and upload it again', {
      detected_encoding: 'utf-16',
    });
  }
  if (content[0] === 0x50 && content[1] === 0x4b && content[2] === 0x03 && content[3] === 0x04) {
    throw new GoldenSetFileError('unreadable', `the file is a zip archive (probably an xlsx workbook), not ${format}`, { expected_format: format });
  }
  const body = content[0] === 0xef && content[1] === 0xbb && content[2] === 0xbf ? content.subarray(3) : content;
  // UTF-16 without a BOM is valid UTF-8 byte-wise (ASCII + NULs) and would surface as nonsense column names.
  // Such text is about half NULs; a stray NUL is left to the per-row validation.
  const probe = body.subarray(0, 4096);
  let nuls = 0;
  for (const byte of probe) if (byte === 0) nuls++;
  if (nuls > probe.length / 8) {
    throw new GoldenSetFileError('bad_encoding', 'the file contains NUL bytes, so it is probably UTF-16 or binary; save it as UTF-8 text', {
      detected_encoding: 'utf-16 or binary',
    });
  }
  return body;
}

function badEncoding(body: Buffer): GoldenSetFileError {
  // A newline byte never occurs inside a multi-byte UTF-8 sequence, so lines can be checked one by one.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let start = 0;
  for (let line = 1; start <= body.length; line++) {
    const nl = body.indexOf(0x0a, start);
    const end = nl === -1 ? body.length : nl;
    try {
      decoder.decode(body.subarray(start, end));
    } catch {
      return new GoldenSetFileError(
        'bad_encoding',
        `the file is not valid UTF-8 (first bad byte on line ${line}); it was probably saved as Latin-1/Windows-1252 — save it as UTF-8 and upload it again`,
        { line },
      );
    }
    if (nl === -1) break;
    start = nl + 1;
  }
  return new GoldenSetFileError('bad_encoding', 'the file is not valid UTF-8; save it as UTF-8 and upload it again');
}

function countNewlines(buf: Buffer, end: number): number {
  let n = 0;
  for (let i = buf.indexOf(0x0a); i !== -1 && i < end; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** Picks the delimiter that occurs most in the header line, so semicolon and tab exports also work. */
function sniffDelimiter(body: Buffer): string {
  const head = body.subarray(0, 64 * 1024).toString('utf8');
  const firstLine = head.split('\n').find((l) => l.trim() !== '') ?? '';
  let best = ',';
  let bestCount = 0;
  for (const d of [',', ';', '\t']) {
    const count = firstLine.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

const isBlankCell = (c: string | undefined) => c === undefined || c.trim() === '';

async function readCsv(body: Buffer, rows: RowCollector): Promise<ColumnMap> {
  const columns = new ColumnMap();
  let fields: (string | null)[] | null = null;
  let named: boolean[] = [];
  let nextLine = 1;
  let encodingError = false;

  // The parser gets the original bytes chunk by chunk, so the file never exists a second time as one string;
  // decoding each chunk is only the UTF-8 check (a streaming decoder copes with characters split across chunks).
  const chunks = function* () {
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    try {
      for (let i = 0; i < body.length; i += CSV_CHUNK_BYTES) {
        const chunk = body.subarray(i, i + CSV_CHUNK_BYTES);
        decoder.decode(chunk, { stream: true });
        yield chunk;
      }
      decoder.decode();
    } catch (err) {
      encodingError = true;
      throw err;
    }
  };

  const consume = async (records: AsyncIterable<string[]>) => {
    for await (const record of records) {
      // A record spans one line plus the line breaks inside its quoted values. Counting them here is cheaper than
      // csv-parse's `info` option, and unlike its line counter it does not count CRLF inside quotes twice.
      const line = nextLine;
      nextLine++;
      let blank = true;
      for (const cell of record) {
        for (let p = cell.indexOf('\n'); p !== -1; p = cell.indexOf('\n', p + 1)) nextLine++;
        if (blank && cell.trim() !== '') blank = false;
      }
      if (blank) continue;

      if (fields === null) {
        named = record.map((name) => !isBlankCell(name));
        fields = record.map((name, i) => (named[i] ? columns.add(name.trim()) : null));
        columns.requireInput('The first row must be the header row.');
        continue;
      }

      rows.count();
      const width = fields.length;
      if (record.length > width && record.slice(width).some((c) => !isBlankCell(c))) {
        rows.reject(line, [
          { field: 'row', message: `has ${record.length} cells but the header has ${width} columns; quote values that contain the delimiter` },
        ]);
        continue;
      }
      const raw: Record<string, unknown> = {};
      for (let i = 0; i < record.length; i++) {
        const value = record[i].trim();
        if (!value) continue;
        const field = fields[i];
        if (field) raw[field] = value;
        else if (!named[i]) columns.addUnnamed(`(column ${i + 1})`);
      }
      rows.accept(line, raw);
    }
  };

  const parser = createCsvParser({
    delimiter: sniffDelimiter(body),
    // Hand-edited files mix line endings; auto-discovery would lock onto the first kind it meets.
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    // A stray quote inside an unquoted value ('5" screen') is kept literally; an unclosed quoted value still fails.
    relax_quotes: true,
    // Empty lines must come through as records, or the line count would skip them.
    skip_empty_lines: false,
  });

  try {
    await pipeline(chunks, parser, consume);
  } catch (err) {
    if (err instanceof GoldenSetFileError) throw err;
    if (encodingError) throw badEncoding(body);
    if (err instanceof CsvError) {
      // Records already parsed may not have reached `consume` yet, so the failing record is located from the
      // parser's byte offset (the end of the last complete record) rather than from our own line counter.
      const line = typeof err.bytes === 'number' ? 1 + countNewlines(body, err.bytes) : nextLine;
      const message =
        err.code === 'CSV_QUOTE_NOT_CLOSED'
          ? `the CSV is malformed: the record starting at line ${line} opens a quoted value that is never closed`
          : `the CSV is malformed in the record starting at line ${line}: ${err.message}`;
      throw new GoldenSetFileError('unreadable', message, { line, parser_code: err.code });
    }
    throw err;
  }
  return columns;
}

function readJsonl(body: Buffer, rows: RowCollector): ColumnMap {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    throw badEncoding(body);
  }
  const columns = new ColumnMap();
  let line = 0;
  let sawObject = false;
  for (let pos = 0; pos < text.length; ) {
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

// ---------------------------------------------------------------------------------------------
// xlsx

class CellFault {
  constructor(readonly code: string) {}
}

function cellText(value: unknown): string | null | CellFault {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (typeof value === 'boolean') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if (typeof v.error === 'string') return new CellFault(v.error);
  if (Array.isArray(v.richText)) return v.richText.map((run: { text?: unknown }) => (typeof run?.text === 'string' ? run.text : '')).join('');
  if ('hyperlink' in v) return cellText(v.text);
  if ('formula' in v || 'sharedFormula' in v) return cellText(v.result);
  return null;
}

function columnLetter(n: number): string {
  let s = '';
  for (; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** Sum of the uncompressed sizes in the zip central directory, or null when there is no readable directory. */
function zipUnpackedSize(buf: Buffer): number | null {
  let eocd = -1;
  for (let i = buf.length - 22, min = Math.max(0, buf.length - 22 - 0xffff); i >= min; i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  const entries = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  let total = 0;
  for (let k = 0; k < entries; k++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) return null;
    total += buf.readUInt32LE(p + 24);
    p += 46 + buf.readUInt16LE(p + 28) + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
  return total;
}

async function readXlsx(content: Buffer, rows: RowCollector, limits: FileParseLimits): Promise<ColumnMap> {
  if (!(content[0] === 0x50 && content[1] === 0x4b && content[2] === 0x03 && content[3] === 0x04)) {
    const ole = content[0] === 0xd0 && content[1] === 0xcf && content[2] === 0x11 && content[3] === 0xe0;
    throw new GoldenSetFileError(
      'unreadable',
      ole
        ? 'the file is a legacy .xls or a password-protected workbook; save it as an unprotected .xlsx'
        : 'the file is not an xlsx workbook (an xlsx file is a zip archive)',
    );
  }
  const unpacked = zipUnpackedSize(content);
  if (unpacked === null) {
    throw new GoldenSetFileError('unreadable', 'the xlsx file is corrupt or truncated (its zip directory is missing)');
  }
  const budget = Math.max(XLSX_MIN_UNPACKED_BUDGET, limits.max_bytes * XLSX_MAX_EXPANSION);
  if (unpacked > budget) {
    throw new GoldenSetFileError('too_large', `the workbook unpacks to ${unpacked} bytes; the limit is ${budget} bytes`, {
      unpacked_bytes: unpacked,
      max_unpacked_bytes: budget,
    });
  }

  const workbook = new Workbook();
  try {
    // exceljs declares its own ArrayBuffer-like Buffer type; a Node Buffer is what it actually reads.
    await workbook.xlsx.load(content as unknown as Parameters<typeof workbook.xlsx.load>[0]);
  } catch (err) {
    throw new GoldenSetFileError('unreadable', `the xlsx file could not be read: ${(err as Error).message}`);
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new GoldenSetFileError('unreadable', 'the file is a zip archive but holds no worksheet');

  const columns = new ColumnMap();
  let header: (string | null)[] | null = null;
  let named: boolean[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const values = row.values as unknown[];
    const cells: (string | null | CellFault)[] = [];
    let hasContent = false;
    for (let col = 1; col < values.length; col++) {
      let cell = cellText(values[col]);
      if (typeof cell === 'string') {
        cell = cell.trim();
        if (!cell) cell = null;
      }
      cells[col] = cell;
      if (cell !== null) hasContent = true;
    }
    if (!hasContent) return;

    if (header === null) {
      header = [];
      named = [];
      for (let col = 1; col < cells.length; col++) {
        const name = cells[col];
        const label = name instanceof CellFault ? name.code : name;
        named[col] = label != null;
        header[col] = label != null ? columns.add(label) : null;
      }
      columns.requireInput('The first non-empty row of the first worksheet must be the header row.');
      return;
    }

    rows.count();
    const raw: Record<string, unknown> = {};
    const cellIssues: { field: string; message: string }[] = [];
    for (let col = 1; col < cells.length; col++) {
      const cell = cells[col];
      if (cell === null || cell === undefined) continue;
      const field = header[col];
      if (!field) {
        if (!named[col]) columns.addUnnamed(`(column ${columnLetter(col)})`);
      } else if (cell instanceof CellFault) {
        cellIssues.push({ field, message: `the cell holds the spreadsheet error ${cell.code}` });
      } else {
        raw[field] = cell;
      }
    }
    rows.accept(rowNumber, raw, cellIssues);
  });
  return columns;
}
