import { CASE_LIMITS, CaseValidation, validateCaseInput } from './case-input';

const json = (raw: Record<string, unknown>) => validateCaseInput(raw, { form: 'json' });
const file = (raw: Record<string, unknown>) => validateCaseInput(raw, { form: 'file' });
const issues = (v: CaseValidation) => (v.ok ? [] : v.issues);
const base = { input: 'How do I reset my password?', expected_answer: 'Use the reset link.' };

describe('validateCaseInput: the typed JSON form', () => {
  it('accepts canonical answer and criteria cases', () => {
    expect(json({ ...base, expected_sources: ['kb/reset.md'], difficulty: 'easy', tags: ['auth'], external_id: 'C-1' })).toMatchObject({
      ok: true,
      value: { evaluation_mode: 'answer', difficulty: 'easy', scenario_type: 'happy_path', capability: 'general', external_id: 'C-1' },
    });
    expect(json({ input: 'Apologise', criteria: 'Polite', dimensions: ['tone'], evaluation_mode: 'criteria', scenario_type: 'edge_case' })).toMatchObject({
      ok: true,
      value: { evaluation_mode: 'criteria', dimensions: ['tone'], scenario_type: 'edge_case' },
    });
  });

  it.each([
    ['input', 12345, 'must be a string'],
    ['expected_answer', 12345, 'must be a string'],
    ['external_id', 12345, 'must be a string'],
    ['capability', 12345, 'must be a string'],
    ['criteria', true, 'must be a string'],
    ['expected_sources', 'x', 'must be an array of strings'],
    ['tags', 'x', 'must be an array of strings'],
    ['dimensions', 'tone', 'must be an array of strings'],
    ['tags', [1, 2], 'must contain only strings'],
    ['expected_sources', [null], 'must contain only strings'],
    ['tags', ['ok', ' '], 'must not contain blank items'],
    ['evaluation_mode', '', 'must be answer or criteria'],
    ['difficulty', '', 'must be one of easy, medium, hard'],
    ['scenario_type', '', 'must be one of happy_path, edge_case, adversarial, regression'],
    ['difficulty', 'Hard', 'must be one of easy, medium, hard'],
    ['scenario_type', 'edge-case', 'must be one of happy_path, edge_case, adversarial, regression'],
    ['difficulty', 2, 'must be one of easy, medium, hard'],
    ['capability', '   ', 'must not be blank; omit the field instead'],
    ['external_id', '', 'must not be blank; omit the field instead'],
    ['expected_answer', '', 'must not be blank; omit the field instead'],
    ['difficulty', null, 'must not be null; omit the field instead'],
    ['tags', null, 'must not be null; omit the field instead'],
    ['input', null, 'must be a string'],
    ['input', ' ', 'is required'],
  ])('refuses %s = %j: %s', (field, value, message) => {
    const result = json({ ...base, [field]: value });
    expect(result.ok).toBe(false);
    expect(issues(result)).toContainEqual({ field, message });
  });

  it('reports one issue per problem, never a derived one for the same field', () => {
    expect(issues(json({ input: 'q', expected_answer: null }))).toEqual([{ field: 'expected_answer', message: 'must not be null; omit the field instead' }]);
    expect(issues(json({ expected_answer: 'a' }))).toEqual([{ field: 'input', message: 'is required' }]);
  });
});

describe('validateCaseInput: the file form keeps its conversions', () => {
  it('turns numbers into text, splits list cells, matches enum values loosely and skips blank cells', () => {
    const result = file({
      input: 12345,
      expected_answer: 678,
      external_id: 9,
      capability: 10,
      expected_sources: 'a.md; b.md',
      tags: 'x|y',
      difficulty: 'Hard',
      scenario_type: 'Edge Case',
      evaluation_mode: '',
      criteria: '  ',
    });
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({
        input: '12345',
        expected_answer: '678',
        external_id: '9',
        capability: '10',
        expected_sources: ['a.md', 'b.md'],
        tags: ['x', 'y'],
        difficulty: 'hard',
        scenario_type: 'edge_case',
        evaluation_mode: 'answer',
        criteria: null,
      }),
    });
  });
});

describe('validateCaseInput: text limits', () => {
  it('defaults to CASE_LIMITS and names the limit and the length', () => {
    const input = 'x'.repeat(CASE_LIMITS.input_chars + 1);
    expect(issues(json({ ...base, input }))).toEqual([
      { field: 'input', message: `must be at most ${CASE_LIMITS.input_chars} characters (got ${input.length})` },
    ]);
    expect(json({ ...base, input: 'x'.repeat(CASE_LIMITS.input_chars) }).ok).toBe(true);
  });

  it('applies configured limits to input, expected answer and criteria, in both forms', () => {
    const limits = { input_chars: 100, expected_answer_chars: 200, criteria_chars: 300 };
    for (const form of ['json', 'file'] as const) {
      const check = (raw: Record<string, unknown>) => issues(validateCaseInput(raw, { form, limits }));
      expect(check({ input: 'x'.repeat(101), expected_answer: 'a' })).toEqual([{ field: 'input', message: 'must be at most 100 characters (got 101)' }]);
      expect(check({ input: 'q', expected_answer: 'a'.repeat(201) })).toEqual([
        { field: 'expected_answer', message: 'must be at most 200 characters (got 201)' },
      ]);
      expect(check({ input: 'q', criteria: 'c'.repeat(301) })).toEqual([{ field: 'criteria', message: 'must be at most 300 characters (got 301)' }]);
      expect(check({ input: 'x'.repeat(100), expected_answer: 'a'.repeat(200) })).toEqual([]);
    }
  });

  it('refuses a 5 MB input', () => {
    expect(issues(json({ ...base, input: 'x'.repeat(5 * 1024 * 1024) }))).toEqual([
      { field: 'input', message: `must be at most ${CASE_LIMITS.input_chars} characters (got ${5 * 1024 * 1024})` },
    ]);
  });
});
