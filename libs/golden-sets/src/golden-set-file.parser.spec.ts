import { makeLargeCsv } from '@greenlight/testing';
import { detectFormat, GOLDEN_SET_COLUMN_ALIASES, GoldenSetFileFormat, MAX_REPORTED_ISSUES, parseGoldenSetFile } from './golden-set-file.parser';
import { fileError, LIMITS, MiB, parse, xlsx } from './__fixtures__/file-parse';

describe('GOLDEN_SET_COLUMN_ALIASES', () => {
  it('names every canonical field once and never gives one alias to two fields', () => {
    expect(Object.keys(GOLDEN_SET_COLUMN_ALIASES).sort()).toEqual(
      [
        'capability',
        'criteria',
        'difficulty',
        'dimensions',
        'evaluation_mode',
        'expected_answer',
        'expected_sources',
        'external_id',
        'input',
        'scenario_type',
        'tags',
      ].sort(),
    );
    const all = Object.values(GOLDEN_SET_COLUMN_ALIASES).flat();
    expect(new Set(all).size).toBe(all.length);
    for (const [field, aliases] of Object.entries(GOLDEN_SET_COLUMN_ALIASES)) expect(aliases[0]).toBe(field);
    expect(GOLDEN_SET_COLUMN_ALIASES.input).toEqual(['input', 'question', 'prompt', 'query', 'user_input', 'utterance']);
  });
});

describe('detectFormat', () => {
  it('uses the file extension first, case-insensitively', () => {
    expect(detectFormat('cases.CSV', undefined)).toBe('csv');
    expect(detectFormat('export.tsv', undefined)).toBe('csv');
    expect(detectFormat('cases.jsonl', 'application/octet-stream')).toBe('jsonl');
    expect(detectFormat('cases.ndjson', undefined)).toBe('jsonl');
    expect(detectFormat('C:\\fakepath\\Golden Set.xlsx', undefined)).toBe('xlsx');
    expect(detectFormat('cases.csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')).toBe('csv');
  });

  it('falls back to the content type, ignoring parameters', () => {
    expect(detectFormat(undefined, 'text/csv; charset=utf-8')).toBe('csv');
    expect(detectFormat('upload', 'Application/X-NDJSON')).toBe('jsonl');
    expect(detectFormat('upload.bin', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')).toBe('xlsx');
  });

  it('returns null when it cannot tell', () => {
    expect(detectFormat(undefined, undefined)).toBeNull();
    expect(detectFormat('cases.xls', undefined)).toBeNull();
    expect(detectFormat('cases.json', 'application/json')).toBeNull();
    // Windows browsers send this for .csv as well as for legacy .xls.
    expect(detectFormat(undefined, 'application/vnd.ms-excel')).toBeNull();
  });
});

describe('parseGoldenSetFile: any format', () => {
  it('refuses a format it does not know instead of guessing', async () => {
    await expect(parseGoldenSetFile('json' as GoldenSetFileFormat, Buffer.from('[]'), LIMITS)).rejects.toThrow(TypeError);
  });
});

describe('parseGoldenSetFile: csv', () => {
  it('reads answer and criteria rows and fills taxonomy defaults', async () => {
    const { cases, report } = await parse(
      'csv',
      [
        'input,expected_answer,expected_sources,criteria,dimensions,difficulty,tags',
        'What is the refund window?,30 days,policy.md;faq.md,,,hard,billing',
        'Write a polite apology,,,Must apologise and offer a next step,tone|helpfulness,,',
      ].join('\n'),
    );
    expect(report).toMatchObject({
      format: 'csv',
      total_rows: 2,
      accepted_rows: 2,
      rejected_rows: 0,
      issues: [],
      issues_truncated: false,
      ignored_columns: [],
    });
    expect(cases).toEqual([
      {
        external_id: null,
        input: 'What is the refund window?',
        evaluation_mode: 'answer',
        expected_answer: '30 days',
        expected_sources: ['policy.md', 'faq.md'],
        criteria: null,
        dimensions: [],
        difficulty: 'hard',
        scenario_type: 'happy_path',
        capability: 'general',
        tags: ['billing'],
      },
      {
        external_id: null,
        input: 'Write a polite apology',
        evaluation_mode: 'criteria',
        expected_answer: null,
        expected_sources: [],
        criteria: 'Must apologise and offer a next step',
        dimensions: ['tone', 'helpfulness'],
        difficulty: 'medium',
        scenario_type: 'happy_path',
        capability: 'general',
        tags: [],
      },
    ]);
  });

  it('maps aliases whatever their case, spacing or dashes, first column per field winning', async () => {
    const header = [' Question ', 'Ground-Truth', 'CITATIONS', 'Eval Mode', 'LEVEL', 'case type', 'Skill', 'Labels', 'Case_ID', 'Notes', 'prompt'];
    const { cases, report } = await parse(
      'csv',
      `${header.join(',')}\nHow do I reset my password?,Use the reset link,kb/reset.md,answer,easy,edge-case,Account Support,a;b,C-1,ignore me,not the input\n`,
    );
    expect(report.columns).toEqual(header.map((h) => h.trim()));
    expect(report.column_mapping).toEqual({
      Question: 'input',
      'Ground-Truth': 'expected_answer',
      CITATIONS: 'expected_sources',
      'Eval Mode': 'evaluation_mode',
      LEVEL: 'difficulty',
      'case type': 'scenario_type',
      Skill: 'capability',
      Labels: 'tags',
      Case_ID: 'external_id',
    });
    expect(report.ignored_columns).toEqual(['Notes', 'prompt']);
    expect(cases[0]).toEqual({
      external_id: 'C-1',
      input: 'How do I reset my password?',
      evaluation_mode: 'answer',
      expected_answer: 'Use the reset link',
      expected_sources: ['kb/reset.md'],
      criteria: null,
      dimensions: [],
      difficulty: 'easy',
      scenario_type: 'edge_case',
      capability: 'Account Support',
      tags: ['a', 'b'],
    });
  });

  it('splits list cells on ; | newlines or reads them as JSON arrays, and trims every cell', async () => {
    const { cases } = await parse(
      'csv',
      ['input,answer,sources,tags', '  q1  ,  a1  ," x.md ; y.md | z.md ","t1|t2;t1"', 'q2,a2,"first.md\nsecond.md","[""json tag"", ""other; tag""]"'].join(
        '\n',
      ),
    );
    expect(cases.map((c) => [c.input, c.expected_answer, c.expected_sources, c.tags])).toEqual([
      ['q1', 'a1', ['x.md', 'y.md', 'z.md'], ['t1', 't2']],
      ['q2', 'a2', ['first.md', 'second.md'], ['json tag', 'other; tag']],
    ]);
  });

  it('rejects a row that mixes answer and criteria fields, keeping the others', async () => {
    const { cases, report } = await parse(
      'csv',
      ['input,answer,rubric', 'ok answer row,yes,', 'mixed row,yes,must be kind', 'ok criteria row,,must be kind'].join('\n'),
    );
    expect(cases.map((c) => [c.input, c.evaluation_mode])).toEqual([
      ['ok answer row', 'answer'],
      ['ok criteria row', 'criteria'],
    ]);
    expect(report).toMatchObject({ total_rows: 3, accepted_rows: 2, rejected_rows: 1 });
    expect(report.issues).toContainEqual({ row: 3, field: 'evaluation_mode', message: expect.stringContaining('cannot mix answer fields') });
    expect(report.issues.every((i) => i.row === 3)).toBe(true);
  });

  it('reports row-level validation problems with the field', async () => {
    const { cases, report } = await parse(
      'csv',
      [
        'input,expected_answer,difficulty,scenario_type,evaluation_mode,criteria',
        ',orphan answer,,,,',
        'q,a,extreme,,,',
        'q,a,,smoke_test,,',
        'q,a,,,criteria,',
        'q,,,,,',
        'q,,,,criteria,',
        'q,a,Hard,Edge Case,Answer,',
        'q,a,,,hybrid,',
        'q,,,,answer,be kind',
      ].join('\n'),
    );
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({ difficulty: 'hard', scenario_type: 'edge_case', evaluation_mode: 'answer' });
    expect(report.issues).toEqual(
      expect.arrayContaining([
        { row: 2, field: 'input', message: 'is required' },
        { row: 3, field: 'difficulty', message: 'must be one of easy, medium, hard' },
        { row: 4, field: 'scenario_type', message: expect.stringContaining('must be one of') },
        { row: 5, field: 'criteria', message: 'criteria-mode cases need criteria or dimensions' },
        { row: 5, field: 'expected_answer', message: 'is not allowed on criteria-mode cases' },
        { row: 6, field: 'expected_answer', message: 'is required for answer-mode cases' },
        { row: 7, field: 'criteria', message: 'criteria-mode cases need criteria or dimensions' },
        { row: 9, field: 'evaluation_mode', message: 'must be answer or criteria' },
        { row: 10, field: 'criteria', message: 'is not allowed on answer-mode cases' },
      ]),
    );
    expect(report).toMatchObject({ total_rows: 9, accepted_rows: 1, rejected_rows: 8 });
  });

  it('numbers rows by the line where each record starts, across CRLF, blank lines and quoted line breaks', async () => {
    const content = [
      'input,expected_answer', // 1
      'q1,a1', // 2
      '', // 3
      '"q2 spans', // 4
      'two lines",a2', // 5
      ',,', // 6: only delimiters, skipped
      'q3,', // 7: invalid
      '"q4","a4"', // 8
    ].join('\r\n');
    const { cases, report } = await parse('csv', `${content}\r\n`);
    expect(cases.map((c) => c.input)).toEqual(['q1', 'q2 spans\r\ntwo lines', 'q4']);
    expect(report.issues).toEqual([{ row: 7, field: 'expected_answer', message: 'is required for answer-mode cases' }]);
    expect(report.total_rows).toBe(4);
  });

  it('accepts a file that mixes CRLF, LF and CR line endings', async () => {
    const { cases, report } = await parse('csv', 'input,answer\r\nq1,a1\nq2,a2\rq3,\r\nq4,a4');
    expect(cases.map((c) => c.input)).toEqual(['q1', 'q2', 'q4']);
    expect(report.issues).toEqual([{ row: 4, field: 'expected_answer', message: expect.any(String) }]);
  });

  it('keeps a stray quote inside an unquoted value', async () => {
    const { cases } = await parse('csv', 'input,answer\nIs a 5" screen big?,Not really\n');
    expect(cases[0].input).toBe('Is a 5" screen big?');
  });

  it('refuses a row with more cells than the header (an unquoted delimiter) but tolerates trailing empty cells', async () => {
    const { cases, report } = await parse('csv', 'input,answer\nWhat is 2+2, really?,4\nq,a,,\n');
    expect(cases.map((c) => c.input)).toEqual(['q']);
    expect(report.issues).toEqual([{ row: 2, field: 'row', message: expect.stringContaining('has 3 cells but the header has 2 columns') }]);
  });

  it('reports data under an unnamed header cell as an ignored column', async () => {
    const { report } = await parse('csv', 'input,answer,\nq,a,\nq2,a2,stray\n');
    expect(report.columns).toEqual(['input', 'answer', '(column 3)']);
    expect(report.ignored_columns).toEqual(['(column 3)']);
    expect(report.accepted_rows).toBe(2);
  });

  it('reads semicolon- and tab-separated exports', async () => {
    const semi = await parse('csv', 'Question;Answer;Tags\nq;"a; with semicolon";"x|y"\n');
    expect(semi.cases[0]).toMatchObject({ input: 'q', expected_answer: 'a; with semicolon', tags: ['x', 'y'] });
    const tab = await parse('csv', 'input\texpected_answer\nq, with comma\ta\n');
    expect(tab.cases[0]).toMatchObject({ input: 'q, with comma', expected_answer: 'a' });
  });

  it('treats a file holding only a BOM as empty', async () => {
    await fileError(parse('csv', Buffer.from([0xef, 0xbb, 0xbf])), 'empty');
  });

  it('strips a UTF-8 BOM and keeps non-ASCII text', async () => {
    const content = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('input,answer\nQu’est-ce que c’est ? 日本語,réponse 🙂\n')]);
    const { cases, report } = await parse('csv', content);
    expect(report.column_mapping).toEqual({ input: 'input', answer: 'expected_answer' });
    expect(cases[0]).toMatchObject({ input: 'Qu’est-ce que c’est ? 日本語', expected_answer: 'réponse 🙂' });
  });

  it('keeps multi-byte characters intact across the 64 KiB read chunks', async () => {
    const filler = Array.from({ length: 3 }, () => `${'y'.repeat(19_001)},a`);
    const accented = 'é'.repeat(9_000);
    const content = Buffer.from(['input,answer', ...filler, `${accented},b`, ''].join('\n'));
    expect(content[64 * 1024] & 0xc0).toBe(0x80); // the chunk boundary splits a two-byte character
    const { cases } = await parse('csv', content);
    expect(cases.map((c) => c.input.length)).toEqual([19_001, 19_001, 19_001, 9_000]);
    expect(cases[3].input).toBe(accented);
  });

  it('refuses latin-1 bytes as bad_encoding and names the line', async () => {
    const content = Buffer.concat([Buffer.from('input,answer\nq1,a1\ncaf'), Buffer.from([0xe9]), Buffer.from(',a2\n')]);
    const err = await fileError(parse('csv', content), 'bad_encoding');
    expect(err.details).toEqual({ line: 3 });
    expect(err.message).toMatch(/UTF-8/);
  });

  it('refuses UTF-16 files, with or without a BOM, telling the user to save as UTF-8', async () => {
    const utf16le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('input,answer\nq,a\n', 'utf16le')]);
    expect((await fileError(parse('csv', utf16le), 'bad_encoding')).message).toMatch(/UTF-16.*UTF-8/);
    const utf16be = Buffer.from([0xfe, 0xff, 0x00, 0x69]);
    await fileError(parse('csv', utf16be), 'bad_encoding');
    await fileError(parse('csv', Buffer.from('input,answer\nq,a\n', 'utf16le')), 'bad_encoding');
  });

  it('refuses a file without a column mapping to input, listing what it found', async () => {
    const err = await fileError(parse('csv', 'text,answer\nq,a\n'), 'missing_columns');
    expect(err.details).toMatchObject({ found: ['text', 'answer'], required: ['input'] });
    expect(err.message).toContain('question');
  });

  it('treats an empty, blank or header-only file as empty', async () => {
    await fileError(parse('csv', ''), 'empty');
    await fileError(parse('csv', '\n\r\n  \n'), 'empty');
    const headerOnly = await fileError(parse('csv', 'input,expected_answer\n\n,\n'), 'empty');
    expect(headerOnly.message).toMatch(/header/);
  });

  it('refuses unbalanced quotes as unreadable, naming the line where the broken record starts', async () => {
    const err = await fileError(parse('csv', 'input,answer\r\nq1,a1\r\n"q2\r\nstill q2",a2\r\nq3,"a3\r\nq4,a4\r\n'), 'unreadable');
    expect(err.details).toMatchObject({ line: 5, parser_code: 'CSV_QUOTE_NOT_CLOSED' });
    expect(err.message).toContain('line 5');
  });

  it('refuses an xlsx uploaded as csv', async () => {
    const book = await xlsx((wb) => wb.addWorksheet('s').addRow(['input']));
    expect((await fileError(parse('csv', book), 'unreadable')).message).toMatch(/zip/);
  });

  it('enforces max_rows, counting only non-empty data rows', async () => {
    const content = ['input,answer', 'q1,a1', '', 'q2,a2', ',', 'q3,a3'].join('\n');
    expect((await parse('csv', content, { max_bytes: 1000, max_rows: 3 })).report.total_rows).toBe(3);
    const err = await fileError(parse('csv', content, { max_bytes: 1000, max_rows: 2 }), 'too_many_rows');
    expect(err.details).toEqual({ max_rows: 2 });
  });

  it('refuses a file one byte over max_bytes before reading it, and accepts one at the limit', async () => {
    const content = Buffer.from('input,answer\nq,a\n');
    const err = await fileError(parse('csv', content, { max_bytes: content.length - 1, max_rows: 10 }), 'too_large');
    expect(err.details).toEqual({ size_bytes: content.length, max_bytes: content.length - 1 });
    await expect(parse('csv', content, { max_bytes: content.length, max_rows: 10 })).resolves.toMatchObject({ report: { accepted_rows: 1, rejected_rows: 0 } });
    // Not even valid CSV: size is checked before anything is parsed.
    await fileError(parse('csv', Buffer.alloc(LIMITS.max_bytes + 1, 0xff)), 'too_large');
  });

  it('caps the issue list but still counts every rejected row', async () => {
    const rows = Array.from({ length: 1200 }, (_, i) => `q${i},`);
    const { report } = await parse('csv', ['input,answer', ...rows].join('\n'));
    expect(report.rejected_rows).toBe(1200);
    expect(report.issues).toHaveLength(MAX_REPORTED_ISSUES);
    expect(report.issues_truncated).toBe(true);
    expect(report.issues[999].row).toBe(1001);
  });
});

describe('parseGoldenSetFile: jsonl', () => {
  it('reads one object per line through the same aliases, skipping blank lines', async () => {
    const lines = [
      JSON.stringify({ question: 'q1', answer: 'a1', sources: ['s1', 's2'], id: 7, labels: 'x; y' }),
      '',
      JSON.stringify({ prompt: 'ignored: question outranks prompt', question: 'q2', rubric: 'be brief', dimensions: ['tone'], level: 'HARD' }),
      '   ',
      JSON.stringify({ question: 'q3', answer: 'a3', notes: 'free text', evaluation_mode: 'answer' }),
    ];
    const { cases, report } = await parse('jsonl', `${lines.join('\r\n')}\r\n`);
    expect(report).toMatchObject({ format: 'jsonl', total_rows: 3, accepted_rows: 3, rejected_rows: 0 });
    expect(report.columns).toEqual(['question', 'answer', 'sources', 'id', 'labels', 'prompt', 'rubric', 'dimensions', 'level', 'notes', 'evaluation_mode']);
    // aliases resolve per line; within a line `question` outranks `prompt`
    expect(report.ignored_columns).toEqual(['notes']);
    expect(report.column_mapping).toMatchObject({
      question: 'input',
      prompt: 'input',
      id: 'external_id',
      rubric: 'criteria',
      evaluation_mode: 'evaluation_mode',
    });
    expect(cases[0]).toMatchObject({ input: 'q1', external_id: '7', expected_sources: ['s1', 's2'], tags: ['x', 'y'] });
    expect(cases[1]).toMatchObject({ input: 'q2', evaluation_mode: 'criteria', criteria: 'be brief', dimensions: ['tone'], difficulty: 'hard' });
  });

  it('reports unparsable lines and non-objects as row issues with their line numbers', async () => {
    const content = ['{"input":"q1","answer":"a1"}', '{"input": "q2", ', '', '["input","q"]', '42', 'null', '{"input":"q3","answer":"a3"}'].join('\n');
    const { cases, report } = await parse('jsonl', content);
    expect(cases.map((c) => c.input)).toEqual(['q1', 'q3']);
    expect(report).toMatchObject({ total_rows: 6, accepted_rows: 2, rejected_rows: 4 });
    expect(report.issues).toEqual([
      { row: 2, field: 'row', message: expect.stringMatching(/^is not valid JSON/) },
      { row: 4, field: 'row', message: 'must be a JSON object (one case per line), got an array' },
      { row: 5, field: 'row', message: 'must be a JSON object (one case per line), got a number' },
      { row: 6, field: 'row', message: 'must be a JSON object (one case per line), got null' },
    ]);
  });

  it('reports wrong value types per field', async () => {
    const content = [
      JSON.stringify({ input: { a: 1 }, answer: 'a' }),
      JSON.stringify({ input: 'q', answer: 'a', tags: 5 }),
      JSON.stringify({ input: 'q', answer: 'a', tags: ['ok', { no: true }] }),
      JSON.stringify({ input: 'q', answer: true }),
      JSON.stringify({ input: 'q', answer: 'a', difficulty: 3 }),
      JSON.stringify({ input: 12, answer: 34 }),
    ].join('\n');
    const { cases, report } = await parse('jsonl', content);
    expect(cases).toEqual([expect.objectContaining({ input: '12', expected_answer: '34' })]);
    expect(report.issues).toEqual(
      expect.arrayContaining([
        { row: 1, field: 'input', message: 'must be a string' },
        { row: 2, field: 'tags', message: 'must be a list of strings' },
        { row: 3, field: 'tags', message: 'must contain only strings' },
        { row: 4, field: 'expected_answer', message: 'must be a string' },
        { row: 5, field: 'difficulty', message: 'must be one of easy, medium, hard' },
      ]),
    );
  });

  it('returns a report with nothing accepted when every line fails', async () => {
    const { cases, report } = await parse('jsonl', 'not json\n{broken\n[1]\n');
    expect(cases).toEqual([]);
    expect(report).toMatchObject({ total_rows: 3, accepted_rows: 0, rejected_rows: 3, columns: [] });
  });

  it('refuses a file whose objects have no key mapping to input', async () => {
    const err = await fileError(parse('jsonl', '{"text":"q","answer":"a"}\n{"text":"q2"}\n'), 'missing_columns');
    expect(err.details).toMatchObject({ found: ['text', 'answer'], required: ['input'] });
  });

  it('treats an empty or blank file as empty', async () => {
    await fileError(parse('jsonl', ''), 'empty');
    await fileError(parse('jsonl', '\n  \n\r\n'), 'empty');
  });

  it('refuses invalid UTF-8 and UTF-16', async () => {
    const latin1 = Buffer.concat([Buffer.from('{"input":"caf'), Buffer.from([0xe9]), Buffer.from('","answer":"a"}\n')]);
    expect((await fileError(parse('jsonl', latin1), 'bad_encoding')).details).toEqual({ line: 1 });
    await fileError(parse('jsonl', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"input":"q"}', 'utf16le')])), 'bad_encoding');
  });

  it('strips a UTF-8 BOM', async () => {
    const { cases } = await parse('jsonl', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"input":"q","answer":"a"}')]));
    expect(cases).toHaveLength(1);
  });

  it('enforces max_rows', async () => {
    const content = '{"input":"q","answer":"a"}\n'.repeat(3);
    await fileError(parse('jsonl', content, { max_bytes: 1000, max_rows: 2 }), 'too_many_rows');
  });
});

describe('parseGoldenSetFile: a 10 MB csv', () => {
  // Correctness at the size limit only; the speed is measured by `npm run bench:parse`, not by a timed test.
  it('parses ~40k rows of a file just under the 10 MB limit', async () => {
    const content = makeLargeCsv(LIMITS.max_bytes - 200);
    expect(content.length).toBeGreaterThan(9.5 * MiB);
    const { cases, report } = await parseGoldenSetFile('csv', content, { max_bytes: LIMITS.max_bytes, max_rows: 100_000 });
    expect(report.total_rows).toBeGreaterThan(35_000);
    expect(report.rejected_rows).toBe(Math.floor(report.total_rows / 1000));
    expect(cases).toHaveLength(report.accepted_rows);
    expect(cases[1]).toMatchObject({ external_id: 'case-1', expected_sources: ['kb/plans.md', 'kb/quota-1.md'], tags: ['billing', 'quota'] });
  }, 60_000);
});
