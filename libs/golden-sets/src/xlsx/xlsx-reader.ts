/**
 * xlsx: the first worksheet, read as a stream. Rows are mapped and validated as they are found and
 * reading stops at the first row over the row limit; the inflated bytes of every part read are
 * counted, so neither a sheet of a million rows nor a zip entry lying about its size is unpacked.
 */
import { ColumnMap, RowCollector } from '../file-rows';
import { FileParseLimits, GoldenSetFileError } from '../golden-set-file.types';
import { isZip } from '../text-file';
import { SharedStrings, SharedStringsReader, StringCollector, TOO_LONG } from './shared-strings';
import { locateWorkbook, readDateStyles, scanPart } from './workbook-parts';
import { attr, decodeXmlText, XmlEvents } from './xml-scanner';
import { InflateBudget, readZipDirectory } from './zip-reader';

/** The inflated size a workbook may reach: this many times the largest file, and at least the minimum below. */
export const XLSX_MAX_EXPANSION = 10;
export const XLSX_MIN_UNPACKED_BUDGET = 32 * 1024 * 1024;
/** Longer than any case field may be; a longer cell is reported, never held. */
export const XLSX_MAX_CELL_CHARS = 1024 * 1024;
/** Column XFD, the last one a spreadsheet has. */
const MAX_COLUMN = 16_384;

export function unpackedBudget(maxBytes: number): number {
  return Math.max(XLSX_MIN_UNPACKED_BUDGET, maxBytes * XLSX_MAX_EXPANSION);
}

/** A cell that cannot become a value: a spreadsheet error (#N/A, ...) or text past XLSX_MAX_CELL_CHARS. */
class CellFault {
  constructor(
    readonly message: string,
    /** What a header cell holding it is called; null = the column counts as unnamed. */
    readonly label: string | null,
  ) {}
}

type Cell = string | CellFault;

const TOO_LONG_FAULT = new CellFault(`the cell holds more than ${XLSX_MAX_CELL_CHARS} characters`, null);

function columnLetter(n: number): string {
  let s = '';
  for (; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** The column number of a cell reference such as "AB12"; 0 when it names none. */
function columnOf(ref: string): number {
  let n = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i) | 0x20; // lower-case
    if (c < 0x61 || c > 0x7a) break;
    n = n * 26 + (c - 0x60);
    if (n > MAX_COLUMN)
      throw new GoldenSetFileError('unreadable', `the xlsx file is corrupt (a cell reference "${ref.slice(0, 20)}" is beyond the last column)`);
  }
  return n;
}

/** Serial day number → instant, as spreadsheet programs count (days since 1899-12-30, or since 1904-01-01). */
function serialDate(serial: number, date1904: boolean): string | null {
  const ms = Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000);
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** Reads `<sheetData>` row by row into the collector. */
class SheetReader implements XmlEvents {
  readonly columns = new ColumnMap();
  done = false;
  private header: (string | null)[] | null = null;
  private named: boolean[] = [];
  private inSheetData = false;
  private rowNumber = 0;
  private cols: number[] = [];
  private cells: Cell[] = [];
  private nextCol = 1;
  private inCell = false;
  private cellCol = 0;
  private cellType = 'n';
  private cellStyle = 0;
  private inValue = false;
  private value: string[] = [];
  private valueLength = 0;
  private inInline = false;
  private readonly inline = new StringCollector(XLSX_MAX_CELL_CHARS);

  constructor(
    private readonly rows: RowCollector,
    private readonly strings: SharedStrings,
    private readonly dateStyles: boolean[],
    private readonly date1904: boolean,
  ) {}

  open(name: string, attrs: string, selfClosing: boolean): void {
    if (!this.inSheetData) {
      if (name === 'sheetData') {
        this.inSheetData = !selfClosing;
        this.done = selfClosing;
      }
      return;
    }
    if (this.inInline) {
      this.inline.open(name, selfClosing);
    } else if (name === 'c') {
      const ref = attr(attrs, 'r');
      const col = (ref && columnOf(ref)) || this.nextCol;
      if (col > MAX_COLUMN) throw new GoldenSetFileError('unreadable', 'the xlsx file is corrupt (a row has more cells than a sheet has columns)');
      this.nextCol = col + 1;
      if (selfClosing) return;
      this.inCell = true;
      this.cellCol = col;
      this.cellType = attr(attrs, 't') ?? 'n';
      const style = attr(attrs, 's');
      this.cellStyle = style === undefined ? 0 : Number(style);
      this.value = [];
      this.valueLength = 0;
    } else if (name === 'row') {
      const r = Number(attr(attrs, 'r'));
      this.rowNumber = Number.isInteger(r) && r > 0 ? r : this.rowNumber + 1;
      this.cols = [];
      this.cells = [];
      this.nextCol = 1;
    } else if (this.inCell && !selfClosing) {
      if (name === 'v') this.inValue = true;
      else if (name === 'is') {
        this.inInline = true;
        this.inline.reset();
      }
    }
  }

  close(name: string): void {
    if (!this.inSheetData) return;
    if (this.inInline) {
      if (name === 'is') this.inInline = false;
      else this.inline.close(name);
    } else if (name === 'v') {
      this.inValue = false;
    } else if (name === 'c') {
      if (this.inCell) this.finishCell();
      this.inCell = false;
    } else if (name === 'row') {
      this.finishRow();
    } else if (name === 'sheetData') {
      this.inSheetData = false;
      this.done = true;
    }
  }

  text(raw: string): void {
    if (this.inValue) {
      // A value longer than any cell may be is cut here and reported as too long when the cell ends.
      this.valueLength += raw.length;
      if (this.valueLength <= XLSX_MAX_CELL_CHARS * 8) this.value.push(raw);
    } else if (this.inInline) {
      this.inline.text(raw);
    }
  }

  private cellValue(): Cell | null {
    if (this.cellType === 'inlineStr') {
      const v = this.inline.value();
      return v === TOO_LONG ? TOO_LONG_FAULT : v;
    }
    if (this.valueLength > XLSX_MAX_CELL_CHARS * 8) return TOO_LONG_FAULT;
    const raw = this.value.length === 1 ? this.value[0] : this.value.join('');
    switch (this.cellType) {
      case 's': {
        const s = raw.trim() === '' ? undefined : this.strings.get(Number(raw));
        return s === undefined ? null : s === TOO_LONG ? TOO_LONG_FAULT : s;
      }
      case 'str': {
        const s = decodeXmlText(raw);
        return s.length > XLSX_MAX_CELL_CHARS ? TOO_LONG_FAULT : s;
      }
      case 'b':
        return raw.trim() === '1' ? 'true' : raw.trim() === '0' ? 'false' : null;
      case 'e': {
        const code = decodeXmlText(raw).trim();
        return new CellFault(`the cell holds the spreadsheet error ${code}`, code);
      }
      case 'd': {
        const d = new Date(raw.trim());
        return Number.isNaN(d.getTime()) ? decodeXmlText(raw) : d.toISOString();
      }
      default: {
        if (raw.trim() === '') return null; // a formula without a computed value
        const n = Number(raw);
        if (!Number.isFinite(n)) return null;
        return this.dateStyles[this.cellStyle] ? serialDate(n, this.date1904) : String(n);
      }
    }
  }

  private finishCell(): void {
    let cell = this.cellValue();
    if (typeof cell === 'string') {
      cell = cell.trim();
      if (!cell) return;
    }
    if (cell === null) return;
    this.cols.push(this.cellCol);
    this.cells.push(cell);
  }

  private finishRow(): void {
    if (this.cells.length === 0) return;
    const { cols, cells } = this;
    if (this.header === null) {
      this.header = [];
      for (let k = 0; k < cells.length; k++) {
        const cell = cells[k];
        const label = cell instanceof CellFault ? cell.label : cell;
        this.named[cols[k]] = label !== null;
        this.header[cols[k]] = label !== null ? this.columns.add(label) : null;
      }
      this.columns.requireInput('The first non-empty row of the first worksheet must be the header row.');
      return;
    }

    this.rows.count();
    const raw: Record<string, unknown> = {};
    const cellIssues: { field: string; message: string }[] = [];
    for (let k = 0; k < cells.length; k++) {
      const col = cols[k];
      const cell = cells[k];
      const field = this.header[col];
      if (!field) {
        if (!this.named[col]) this.columns.addUnnamed(`(column ${columnLetter(col)})`);
      } else if (cell instanceof CellFault) {
        cellIssues.push({ field, message: cell.message });
      } else {
        raw[field] = cell;
      }
    }
    this.rows.accept(this.rowNumber, raw, cellIssues);
  }
}

export async function readXlsx(content: Buffer, rows: RowCollector, limits: FileParseLimits): Promise<ColumnMap> {
  if (!isZip(content)) {
    const ole = content[0] === 0xd0 && content[1] === 0xcf && content[2] === 0x11 && content[3] === 0xe0;
    throw new GoldenSetFileError(
      'unreadable',
      ole
        ? 'the file is a legacy .xls or a password-protected workbook; save it as an unprotected .xlsx'
        : 'the file is not an xlsx workbook (an xlsx file is a zip archive)',
    );
  }
  const entries = readZipDirectory(content);
  const budget = new InflateBudget(unpackedBudget(limits.max_bytes));
  const layout = await locateWorkbook(content, entries, budget);
  const dateStyles = await readDateStyles(content, layout.styles, budget);
  let strings = new SharedStrings();
  if (layout.sharedStrings) {
    const reader = new SharedStringsReader(XLSX_MAX_CELL_CHARS);
    await scanPart(content, layout.sharedStrings, budget, reader);
    strings = reader.table;
  }
  const sheet = new SheetReader(rows, strings, dateStyles, layout.date1904);
  await scanPart(content, layout.sheet, budget, sheet, () => sheet.done);
  return sheet.columns;
}
