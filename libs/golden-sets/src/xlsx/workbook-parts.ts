/**
 * Finding our way around an xlsx package: which part is the first worksheet, where the shared
 * strings and styles are, which cell styles show dates, and the workbook's date system. Every part
 * is streamed through the XML scanner and counted against the workbook's inflate budget.
 */
import { GoldenSetFileError } from '../golden-set-file.types';
import { InflateBudget, ZipEntry, entryChunks } from './zip-reader';
import { attr, XmlEvents, XmlScanner } from './xml-scanner';

export interface WorkbookLayout {
  sheet: ZipEntry;
  sharedStrings: ZipEntry | null;
  styles: ZipEntry | null;
  /** Serial day numbers count from 1904 instead of 1900 (old Mac workbooks). */
  date1904: boolean;
}

const noWorksheet = () => new GoldenSetFileError('unreadable', 'the file is a zip archive but holds no worksheet');

/** Feeds one part to `events`; stops early once `stop()` says so. */
export async function scanPart(buf: Buffer, entry: ZipEntry, budget: InflateBudget, events: XmlEvents, stop?: () => boolean): Promise<void> {
  const scanner = new XmlScanner(events, stop);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of entryChunks(buf, entry, budget)) {
      scanner.write(decoder.decode(chunk, { stream: true }));
      if (scanner.finished) return;
    }
    scanner.write(decoder.decode());
    scanner.end();
  } catch (err) {
    if (err instanceof GoldenSetFileError) throw err;
    if ((err as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
      throw new GoldenSetFileError('unreadable', `the xlsx file is corrupt (the part ${entry.name} is not UTF-8 text)`);
    }
    throw err;
  }
}

/** Collects the elements named `names` with their attributes, in document order. */
class ElementCollector implements XmlEvents {
  readonly found: { name: string; attrs: string }[] = [];

  constructor(private readonly names: Set<string>) {}

  open(name: string, attrs: string): void {
    if (this.names.has(name)) this.found.push({ name, attrs });
  }

  close(): void {}

  text(): void {}
}

async function elements(buf: Buffer, entry: ZipEntry, budget: InflateBudget, names: string[]) {
  const collector = new ElementCollector(new Set(names));
  await scanPart(buf, entry, budget, collector);
  return collector.found;
}

/** A relationship target as a package path (lower-cased), resolved against the folder of its source part. */
function resolvePart(baseDir: string, target: string): string {
  let t = target;
  try {
    t = decodeURIComponent(target);
  } catch {
    // keep it as written
  }
  const path = t.startsWith('/') ? t.slice(1) : baseDir ? `${baseDir}/${t}` : t;
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '..') out.pop();
    else if (seg && seg !== '.') out.push(seg);
  }
  return out.join('/').toLowerCase();
}

const dirOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');
const relsOf = (path: string) => `${dirOf(path) ? `${dirOf(path)}/` : ''}_rels/${path.slice(path.lastIndexOf('/') + 1)}.rels`;

async function relationships(buf: Buffer, entries: Map<string, ZipEntry>, source: string, budget: InflateBudget) {
  const rels = entries.get(relsOf(source));
  if (!rels) return [];
  return (await elements(buf, rels, budget, ['Relationship']))
    .filter((r) => attr(r.attrs, 'TargetMode') !== 'External')
    .map((r) => ({ id: attr(r.attrs, 'Id') ?? '', type: attr(r.attrs, 'Type') ?? '', target: attr(r.attrs, 'Target') ?? '' }));
}

export async function locateWorkbook(buf: Buffer, entries: Map<string, ZipEntry>, budget: InflateBudget): Promise<WorkbookLayout> {
  const root = await relationships(buf, entries, '', budget);
  const office = root.find((r) => r.type.endsWith('/officeDocument'));
  const workbookPath = office ? resolvePart('', office.target) : 'xl/workbook.xml';
  const workbook = entries.get(workbookPath);
  if (!workbook) throw noWorksheet();

  const parts = await elements(buf, workbook, budget, ['workbookPr', 'sheet']);
  const pr = parts.find((p) => p.name === 'workbookPr');
  const date1904 = pr !== undefined && ['1', 'true'].includes(attr(pr.attrs, 'date1904') ?? '');
  const sheetIds = parts.filter((p) => p.name === 'sheet').map((p) => attr(p.attrs, 'id'));

  const dir = dirOf(workbookPath);
  const rels = await relationships(buf, entries, workbookPath, budget);
  const byId = new Map(rels.map((r) => [r.id, r]));
  let sheet: ZipEntry | undefined;
  for (const id of sheetIds) {
    const rel = id === undefined ? undefined : byId.get(id);
    if (!rel || !rel.type.endsWith('/worksheet')) continue; // chart sheets hold no cells
    sheet = entries.get(resolvePart(dir, rel.target));
    if (!sheet) throw new GoldenSetFileError('unreadable', 'the xlsx file is corrupt (its first worksheet is missing)');
    break;
  }
  if (!sheet) throw noWorksheet();

  const part = (type: string, fallback: string) => {
    const rel = rels.find((r) => r.type.endsWith(type));
    return entries.get(rel ? resolvePart(dir, rel.target) : resolvePart(dir, fallback)) ?? null;
  };
  return { sheet, sharedStrings: part('/sharedStrings', 'sharedStrings.xml'), styles: part('/styles', 'styles.xml'), date1904 };
}

/** Built-in number formats that show a date or a time. */
const BUILTIN_DATE_FORMATS = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58,
]);

/** A custom format shows a date when, outside quoted text, brackets and escapes, it has day/month/year/time letters. */
export function isDateFormat(code: string): boolean {
  const bare = code
    .replace(/"[^"]*"/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\\./g, '')
    .replace(/_.|\*./g, '');
  return /[dmyhs]/i.test(bare);
}

class StylesReader implements XmlEvents {
  readonly customDate = new Map<number, boolean>();
  readonly dateStyles: boolean[] = [];
  private inCellXfs = false;

  open(name: string, attrs: string, selfClosing: boolean): void {
    if (name === 'numFmt') {
      const id = Number(attr(attrs, 'numFmtId'));
      if (Number.isInteger(id)) this.customDate.set(id, isDateFormat(attr(attrs, 'formatCode') ?? ''));
    } else if (name === 'cellXfs') {
      this.inCellXfs = !selfClosing;
    } else if (name === 'xf' && this.inCellXfs) {
      const id = Number(attr(attrs, 'numFmtId') ?? 0);
      this.dateStyles.push(this.customDate.get(id) ?? BUILTIN_DATE_FORMATS.has(id));
    }
  }

  close(name: string): void {
    if (name === 'cellXfs') this.inCellXfs = false;
  }

  text(): void {}
}

/** Per cell style index (`s` attribute): does it show its number as a date? */
export async function readDateStyles(buf: Buffer, styles: ZipEntry | null, budget: InflateBudget): Promise<boolean[]> {
  if (!styles) return [];
  const reader = new StylesReader();
  await scanPart(buf, styles, budget, reader);
  return reader.dateStyles;
}
