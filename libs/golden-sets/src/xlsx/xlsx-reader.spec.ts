import { makeXlsxLyingBomb, makeXlsxRowBomb, sharedStringsXml, worksheetXml, xlsxPackage, zipPackage } from '@greenlight/testing';
import { unpackedBudget, XLSX_MAX_CELL_CHARS } from './xlsx-reader';
import { fileError, LIMITS, MiB, parse, xlsx } from '../__fixtures__/file-parse';

describe('parseGoldenSetFile: xlsx', () => {
  it('reads the first worksheet, converting rich text, hyperlinks, formulas, numbers, booleans and dates', async () => {
    const book = await xlsx((wb) => {
      const sheet = wb.addWorksheet('Cases');
      sheet.getRow(2).values = ['Question', 'Expected Answer', 'Sources', 'ID', 'Tags', 'Notes'];
      sheet.getRow(3).values = [
        { richText: [{ text: 'What is ' }, { text: 'bold', font: { bold: true } }, { text: '?' }] },
        { text: 'See the docs', hyperlink: 'https://example.com/docs' },
        'a.md\nb.md',
        42,
        { formula: 'CONCATENATE("x",";","y")', result: 'x;y' },
        'free text',
      ];
      // Row 4 left empty on purpose.
      sheet.getRow(5).values = ['  Launch date?  ', new Date(Date.UTC(2024, 2, 1)), null, { formula: '6*7', result: 42.5 }, true];
      sheet.getRow(6).values = ['only input'];
      wb.addWorksheet('Other').addRow(['input', 'answer']).commit();
      wb.getWorksheet('Other')!.addRow(['never read', 'x']);
    });
    const { cases, report } = await parse('xlsx', book);
    expect(report).toMatchObject({ format: 'xlsx', total_rows: 3, accepted_rows: 2, rejected_rows: 1, ignored_columns: ['Notes'] });
    expect(report.column_mapping).toEqual({
      Question: 'input',
      'Expected Answer': 'expected_answer',
      Sources: 'expected_sources',
      ID: 'external_id',
      Tags: 'tags',
    });
    expect(cases).toEqual([
      expect.objectContaining({
        input: 'What is bold?',
        expected_answer: 'See the docs',
        expected_sources: ['a.md', 'b.md'],
        external_id: '42',
        tags: ['x', 'y'],
      }),
      expect.objectContaining({ input: 'Launch date?', expected_answer: '2024-03-01T00:00:00.000Z', external_id: '42.5', tags: ['true'] }),
    ]);
    expect(report.issues).toEqual([{ row: 6, field: 'expected_answer', message: 'is required for answer-mode cases' }]);
  });

  it('rejects mixed-mode rows and keeps answer and criteria rows, numbered by sheet row', async () => {
    const book = await xlsx((wb) => {
      const s = wb.addWorksheet('s');
      s.addRow(['input', 'answer', 'criteria', 'dimensions']);
      s.addRow(['answer row', 'a', null, null]);
      s.addRow(['mixed row', 'a', 'be kind', null]);
      s.addRow(['criteria row', null, null, '["tone", "accuracy"]']);
    });
    const { cases, report } = await parse('xlsx', book);
    expect(cases.map((c) => [c.input, c.evaluation_mode, c.dimensions])).toEqual([
      ['answer row', 'answer', []],
      ['criteria row', 'criteria', ['tone', 'accuracy']],
    ]);
    expect(report.issues).toContainEqual({ row: 3, field: 'evaluation_mode', message: expect.stringContaining('cannot mix') });
  });

  it('reports spreadsheet error cells on mapped columns and data in unnamed columns', async () => {
    const book = await xlsx((wb) => {
      const s = wb.addWorksheet('s');
      s.addRow(['input', 'answer']);
      s.addRow(['q1', { error: '#N/A' }]);
      s.addRow(['q2', { formula: '1/0', result: { error: '#DIV/0!' } }]);
      s.addRow(['q3', 'a3', null, 'stray']);
    });
    const { cases, report } = await parse('xlsx', book);
    expect(cases.map((c) => c.input)).toEqual(['q3']);
    expect(report.issues).toEqual([
      { row: 2, field: 'expected_answer', message: 'the cell holds the spreadsheet error #N/A' },
      { row: 3, field: 'expected_answer', message: 'the cell holds the spreadsheet error #DIV/0!' },
    ]);
    expect(report.ignored_columns).toEqual(['(column D)']);
  });

  it('refuses a sheet without an input column', async () => {
    const book = await xlsx((wb) =>
      wb.addWorksheet('s').addRows([
        ['Text', 'Answer'],
        ['q', 'a'],
      ]),
    );
    const err = await fileError(parse('xlsx', book), 'missing_columns');
    expect(err.details).toMatchObject({ found: ['Text', 'Answer'] });
  });

  it('treats an empty sheet or a header-only sheet as empty', async () => {
    await fileError(parse('xlsx', await xlsx((wb) => wb.addWorksheet('s'))), 'empty');
    await fileError(parse('xlsx', await xlsx((wb) => wb.addWorksheet('s').addRow(['input', 'answer']))), 'empty');
    await fileError(parse('xlsx', Buffer.alloc(0)), 'empty');
  });

  it('enforces max_rows', async () => {
    const book = await xlsx((wb) =>
      wb.addWorksheet('s').addRows([
        ['input', 'answer'],
        ['q1', 'a'],
        ['q2', 'a'],
        ['q3', 'a'],
      ]),
    );
    expect((await parse('xlsx', book, { max_bytes: LIMITS.max_bytes, max_rows: 3 })).cases).toHaveLength(3);
    await fileError(parse('xlsx', book, { max_bytes: LIMITS.max_bytes, max_rows: 2 }), 'too_many_rows');
  });

  it('refuses corrupt workbooks as unreadable', async () => {
    const real = await xlsx((wb) =>
      wb.addWorksheet('s').addRows([
        ['input', 'answer'],
        ['q', 'a'],
      ]),
    );
    const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251));
    await fileError(parse('xlsx', random), 'unreadable');
    await fileError(parse('xlsx', Buffer.concat([Buffer.from('PK\x03\x04'), random])), 'unreadable');
    await fileError(parse('xlsx', real.subarray(0, Math.floor(real.length / 2))), 'unreadable');
    await fileError(parse('xlsx', real.subarray(0, real.length - 10)), 'unreadable');
    await fileError(parse('xlsx', Buffer.from('input,answer\nq,a\n')), 'unreadable');
    const legacy = await fileError(parse('xlsx', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0])), 'unreadable');
    expect(legacy.message).toMatch(/\.xls/);
    const notABook = await fileError(parse('xlsx', zipPackage([{ name: 'hello.txt', data: Buffer.from('hi'), stored: true }])), 'unreadable');
    expect(notABook.message).toMatch(/no worksheet/);
    // A readable zip directory whose worksheet entry's local header is garbage.
    const sheetBroken = xlsxPackage({ sheet: { data: worksheetXml('<row><c t="inlineStr"><is><t>input</t></is></c></row>') } });
    sheetBroken.write('XXXX', sheetBroken.lastIndexOf('PK\x03\x04', sheetBroken.indexOf('PK\x01\x02')));
    const broken = await fileError(parse('xlsx', sheetBroken), 'unreadable');
    expect(broken.message).toMatch(/corrupt/);
    // A deflated part that is not deflate data, and a part that is not UTF-8.
    const garbage = xlsxPackage({ sheet: { data: random, deflated: true } });
    expect((await fileError(parse('xlsx', garbage), 'unreadable')).message).toMatch(/^the xlsx file is corrupt/);
    const latin1 = xlsxPackage({ sheet: { data: Buffer.concat([Buffer.from(worksheetXml('<row><c t="inlineStr"><is><t>caf')), Buffer.from([0xe9])]) } });
    expect((await fileError(parse('xlsx', latin1), 'unreadable')).message).toMatch(/not UTF-8/);
    const dtd = xlsxPackage({ sheet: { data: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet><sheetData/></worksheet>' } });
    expect((await fileError(parse('xlsx', dtd), 'unreadable')).message).toMatch(/document type/);
  });

  it('refuses a workbook whose worksheet entry claims more than may be unpacked, before inflating it', async () => {
    const bomb = xlsxPackage({ sheet: { data: worksheetXml(''), declaredSize: 0xfffffff0 } });
    const err = await fileError(parse('xlsx', bomb), 'too_large');
    expect(err.details).toEqual({ max_unpacked_bytes: unpackedBudget(LIMITS.max_bytes) });
  });

  it('counts the bytes actually inflated: an entry claiming 64 KB that inflates past the budget is stopped there', async () => {
    const limits = { max_bytes: 1024 * 1024, max_rows: 100 };
    const budget = unpackedBudget(limits.max_bytes);
    const bomb = makeXlsxLyingBomb(budget + 16 * MiB);
    expect(bomb.length).toBeLessThan(limits.max_bytes);
    const err = await fileError(parse('xlsx', bomb, limits), 'too_large');
    expect(err.message).toBe(`the workbook unpacks to more than ${budget} bytes, the most an upload may unpack to`);
    expect(err.details).toEqual({ max_unpacked_bytes: budget });
  });

  it('stops reading the sheet at the first row over the limit', async () => {
    const rows = Array.from(
      { length: 12 },
      (_, i) => `<row r="${i + 2}"><c r="A${i + 2}" t="inlineStr"><is><t>q${i}</t></is></c><c r="B${i + 2}"><v>${i}</v></c></row>`,
    );
    // Whatever follows row 12 is never read: a reader going on would find it corrupt.
    const sheet = worksheetXml(
      `<row r="1"><c r="A1" t="inlineStr"><is><t>input</t></is></c><c r="B1" t="inlineStr"><is><t>answer</t></is></c></row>${rows.join('')}<<<not xml`,
    );
    const book = xlsxPackage({ sheet: { data: sheet } });
    const err = await fileError(parse('xlsx', book, { max_bytes: LIMITS.max_bytes, max_rows: 10 }), 'too_many_rows');
    expect(err.details).toEqual({ max_rows: 10 });
    await fileError(parse('xlsx', book, { max_bytes: LIMITS.max_bytes, max_rows: 20 }), 'unreadable');
  });

  it('refuses a sheet of a million rows at the row limit', async () => {
    const err = await fileError(parse('xlsx', makeXlsxRowBomb(1_000_000)), 'too_many_rows');
    expect(err.message).toBe('the file has more than 50000 data rows');
  }, 60_000);

  it('reads what other spreadsheet writers produce: inline strings, prefixed tags, missing references, escapes, 1904 dates, custom date formats', async () => {
    const styles =
      '<styleSheet xmlns="x"><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/><numFmt numFmtId="165" formatCode="&quot;day&quot;0.00"/></numFmts>' +
      '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="165"/></cellXfs></styleSheet>';
    const strings =
      '<x:sst xmlns:x="s"><x:si><x:t>Question</x:t></x:si><x:si><x:r><x:t>Ans</x:t></x:r><x:r><x:rPr><x:b/></x:rPr><x:t>wer</x:t></x:r><x:rPh><x:t>phonetic</x:t></x:rPh></x:si>' +
      '<x:si><x:t>line one_x000D_\nline &amp; two_x005F_x0041_</x:t></x:si><x:si/></x:sst>';
    const sheet =
      '<x:worksheet xmlns:x="s"><x:sheetData><!-- written by hand -->' +
      '<x:row><x:c t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c><x:c t="inlineStr"><x:is><x:t>When</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>Tags</x:t></x:is></x:c></x:row>' +
      '<x:row><x:c t="s"><x:v>2</x:v></x:c><x:c t="str"><x:f>A1</x:f><x:v>a &lt;b&gt; &#233;&#x1F600;</x:v></x:c><x:c s="1"><x:v>45352.5</x:v></x:c><x:c t="b"><x:v>0</x:v></x:c></x:row>' +
      '<x:row r="7"><x:c r="A7"><![CDATA[ignored]]><x:v>1.5E3</x:v></x:c><x:c r="B7" s="2"><x:v>12</x:v></x:c><x:c r="D7" t="d"><x:v>2024-05-01T10:00:00Z</x:v></x:c></x:row>' +
      '<x:row r="8"><x:c r="A8" t="s"><x:v>3</x:v></x:c><x:c r="B8" t="s"><x:v>99</x:v></x:c><x:c r="C8" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c></x:row>' +
      '<x:row r="9"><x:c r="A9" t="s"><x:v>3</x:v></x:c><x:c r="B9" t="s"><x:v>99</x:v></x:c></x:row>' +
      '</x:sheetData><x:hyperlinks><<<never read</x:worksheet>';
    const parts = xlsxPackage({ sheet: { data: sheet }, sharedStrings: strings, styles });
    const { cases, report } = await parse('xlsx', parts);
    expect(report).toMatchObject({
      columns: ['Question', 'Answer', 'When', 'Tags'],
      column_mapping: { Question: 'input', Answer: 'expected_answer', Tags: 'tags' },
    });
    expect(cases).toEqual([
      expect.objectContaining({ input: 'line one\r\nline & two_x0041_', expected_answer: 'a <b> é😀', tags: ['false'] }),
      expect.objectContaining({ input: '1500', expected_answer: '12', tags: ['2024-05-01T10:00:00.000Z'] }),
    ]);
    // Rows 8 and 9: an empty shared string and an index past the table are empty cells (row 9 is empty).
    expect(report.issues).toEqual([
      { row: 8, field: 'input', message: 'is required' },
      { row: 8, field: 'expected_answer', message: 'is required for answer-mode cases' },
    ]);
    expect(report.ignored_columns).toEqual(['When']);
  });

  it('reads serial dates of 1900 and 1904 workbooks as instants', async () => {
    const styles = '<styleSheet><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>';
    const sheet = worksheetXml(
      '<row><c t="inlineStr"><is><t>input</t></is></c><c t="inlineStr"><is><t>answer</t></is></c></row><row><c t="inlineStr"><is><t>q</t></is></c><c s="1"><v>45352</v></c></row>',
    );
    expect((await parse('xlsx', xlsxPackage({ sheet: { data: sheet }, styles }))).cases[0].expected_answer).toBe('2024-03-01T00:00:00.000Z');
    const mac = xlsxPackage({ sheet: { data: sheet }, styles, date1904: true });
    expect((await parse('xlsx', mac)).cases[0].expected_answer).toBe('2028-03-02T00:00:00.000Z');
  });

  it('reports a cell longer than any field may be as a row issue, without holding it', async () => {
    const long = 'x'.repeat(XLSX_MAX_CELL_CHARS + 1);
    const sheet = worksheetXml(
      '<row><c t="inlineStr"><is><t>input</t></is></c><c t="inlineStr"><is><t>answer</t></is></c></row>' +
        `<row><c t="inlineStr"><is><t>q1</t></is></c><c t="inlineStr"><is><t>${long}</t></is></c></row>` +
        `<row><c t="inlineStr"><is><t>q2</t></is></c><c t="s"><v>0</v></c></row><row><c t="inlineStr"><is><t>q3</t></is></c><c t="str"><v>${long}</v></c></row>`,
    );
    const book = xlsxPackage({ sheet: { data: sheet }, sharedStrings: sharedStringsXml([long]) });
    const { report } = await parse('xlsx', book);
    const message = `the cell holds more than ${XLSX_MAX_CELL_CHARS} characters`;
    expect(report.issues).toEqual([
      { row: 2, field: 'expected_answer', message },
      { row: 3, field: 'expected_answer', message },
      { row: 4, field: 'expected_answer', message },
    ]);
  });
});
