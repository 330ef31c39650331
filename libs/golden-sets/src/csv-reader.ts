/** csv (comma, semicolon or tab separated): the first non-empty record is the header row. */
import { pipeline } from 'node:stream/promises';
import { CsvError, parse as createCsvParser } from 'csv-parse';
import { ColumnMap, RowCollector } from './file-rows';
import { GoldenSetFileError } from './golden-set-file.types';
import { badEncoding } from './text-file';

const CSV_CHUNK_BYTES = 64 * 1024;

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

/** Our own words for what can still go wrong with the relaxed parser settings below. */
function malformedMessage(code: string, line: number): string {
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return `the CSV is malformed: the record starting at line ${line} opens a quoted value that is never closed`;
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `the CSV is malformed in the record starting at line ${line}: a quoted value is followed by other characters before the next delimiter`;
    default:
      return `the CSV is malformed in the record starting at line ${line}`;
  }
}

const isBlankCell = (c: string | undefined) => c === undefined || c.trim() === '';

export async function readCsv(body: Buffer, rows: RowCollector): Promise<ColumnMap> {
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
      throw new GoldenSetFileError('unreadable', malformedMessage(err.code, line), { line, parser_code: err.code });
    }
    throw err;
  }
  return columns;
}
