/**
 * Hand-made xlsx packages for tests: a small zip writer and the hostile workbooks uploads must
 * survive (a sheet of a million rows, a zip entry that lies about its size).
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';

export interface PackagePart {
  name: string;
  data: Buffer | string;
  /** Stored instead of deflated. */
  stored?: boolean;
  /** Already deflated data, written as is (with `declaredSize` as its size). */
  deflated?: boolean;
  /** The uncompressed size the zip headers claim (default: the true one). */
  declaredSize?: number;
}

/** A zip archive of `parts`, the way spreadsheet programs write it (local headers, central directory). */
export function zipPackage(parts: PackagePart[]): Buffer {
  const chunks: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    const name = Buffer.from(part.name);
    const raw = Buffer.isBuffer(part.data) ? part.data : Buffer.from(part.data);
    const data = part.deflated || part.stored ? raw : deflateRawSync(raw);
    const method = part.stored ? 0 : 8;
    const size = part.declaredSize ?? raw.length;
    const crc = part.deflated ? 0 : crc32(raw);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    chunks.push(local, name, data);
    directory.push(central, name);
    offset += 30 + name.length + data.length;
  }
  const cd = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, cd, end]);
}

const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `<si>` items of a shared string table. */
export function sharedStringsXml(strings: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${NS}" count="${strings.length}" uniqueCount="${strings.length}">${strings
    .map((s) => `<si><t xml:space="preserve">${escapeXml(s)}</t></si>`)
    .join('')}</sst>`;
}

/** A worksheet part around `sheetData` content. */
export function worksheetXml(rows: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${NS}" xmlns:r="${REL}"><sheetData>${rows}</sheetData></worksheet>`;
}

/**
 * A minimal workbook: one worksheet (its part given as is, or with declared sizes of its own), optional
 * shared strings and styles, and the 1904 date system when asked.
 */
export function xlsxPackage(opts: { sheet: Omit<PackagePart, 'name'>; sharedStrings?: string; styles?: string; date1904?: boolean }): Buffer {
  const rels = [`<Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/>`];
  if (opts.sharedStrings !== undefined) rels.push(`<Relationship Id="rId2" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/>`);
  if (opts.styles !== undefined) rels.push(`<Relationship Id="rId3" Type="${REL}/styles" Target="styles.xml"/>`);
  const parts: PackagePart[] = [
    {
      name: '[Content_Types].xml',
      data: '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    },
    {
      name: '_rels/.rels',
      data: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    },
    {
      name: 'xl/workbook.xml',
      data: `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${NS}" xmlns:r="${REL}">${opts.date1904 ? '<workbookPr date1904="1"/>' : ''}<sheets><sheet name="Cases" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels.join('')}</Relationships>`,
    },
  ];
  if (opts.sharedStrings !== undefined) parts.push({ name: 'xl/sharedStrings.xml', data: opts.sharedStrings });
  if (opts.styles !== undefined) parts.push({ name: 'xl/styles.xml', data: opts.styles });
  parts.push({ name: 'xl/worksheets/sheet1.xml', ...opts.sheet });
  return zipPackage(parts);
}

/**
 * A workbook of `rows` data rows (the same question and answer each time, from the shared string
 * table), the shape of a spreadsheet export: a million rows make an ~8 MB file of ~88 MB sheet XML.
 */
export function makeXlsxRowBomb(rows: number): Buffer {
  const xml: string[] = ['<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'];
  for (let r = 2; r <= rows + 1; r++) xml.push(`<row r="${r}"><c r="A${r}" t="s"><v>2</v></c><c r="B${r}" t="s"><v>3</v></c></row>`);
  return xlsxPackage({
    sheet: { data: worksheetXml(xml.join('')) },
    sharedStrings: sharedStringsXml(['question', 'answer', 'How do I reset my password?', 'Use the reset link.']),
  });
}

/**
 * A workbook whose worksheet entry claims `declaredBytes` but inflates to about `inflatedBytes`:
 * a header row, then one cell whose text never ends. Built from independently flushed deflate
 * blocks, so making a gigabyte bomb costs a few megabytes.
 */
export function makeXlsxLyingBomb(inflatedBytes: number, declaredBytes = 64 * 1024): Buffer {
  const flush = { finishFlush: constants.Z_FULL_FLUSH };
  const head = deflateRawSync(
    Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${NS}"><sheetData>` +
        '<row r="1"><c r="A1" t="inlineStr"><is><t>input</t></is></c><c r="B1" t="inlineStr"><is><t>answer</t></is></c></row>' +
        '<row r="2"><c r="A2" t="inlineStr"><is><t>',
    ),
    flush,
  );
  const blockBytes = 16 * 1024 * 1024;
  const block = deflateRawSync(Buffer.alloc(blockBytes, 'a'), flush);
  const blocks = Math.max(1, Math.ceil(inflatedBytes / blockBytes));
  const tail = deflateRawSync(Buffer.from('</t></is></c><c r="B2"><v>1</v></c></row></sheetData></worksheet>'));
  const data = Buffer.concat([head, ...Array.from({ length: blocks }, () => block), tail]);
  return xlsxPackage({ sheet: { data, deflated: true, declaredSize: declaredBytes } });
}
