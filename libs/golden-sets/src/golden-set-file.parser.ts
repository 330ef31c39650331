/**
 * Reads a golden-set file (csv, jsonl, xlsx) into canonical cases plus a report of what was found.
 * Whole-file problems throw GoldenSetFileError; problems with single rows are reported per row and
 * the remaining rows are still returned, so the caller decides what "all rows invalid" means.
 *
 * This is the reading itself, synchronous work on one thread; the api runs it in a worker thread
 * (file-parse-threads.ts) so that no upload holds up other requests.
 */
import { readCsv } from './csv-reader';
import { ColumnMap, RowCollector } from './file-rows';
import { FileParseLimits, GoldenSetFileError, GoldenSetFileFormat, ParsedGoldenSetFile } from './golden-set-file.types';
import { readJsonl } from './jsonl-reader';
import { textBody } from './text-file';
import { readXlsx } from './xlsx/xlsx-reader';

export * from './golden-set-file.types';
export { GOLDEN_SET_COLUMN_ALIASES, MAX_REPORTED_ISSUES } from './file-rows';

export async function parseGoldenSetFile(format: GoldenSetFileFormat, content: Buffer, limits: FileParseLimits): Promise<ParsedGoldenSetFile> {
  if (content.length > limits.max_bytes) {
    throw new GoldenSetFileError('too_large', `the file is ${content.length} bytes; the limit is ${limits.max_bytes} bytes`, {
      size_bytes: content.length,
      max_bytes: limits.max_bytes,
    });
  }
  if (content.length === 0) throw new GoldenSetFileError('empty', 'the file is empty');

  const rows = new RowCollector(limits.max_rows, limits.case_text);
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
