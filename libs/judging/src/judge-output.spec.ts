import { ErrorCode } from '@greenlight/contracts';
import { DomainError } from '@greenlight/platform';
import { answerInput, criteriaInput, judgeOutputBase } from './__fixtures__/judge-inputs';
import { parseJudgeOutput } from './judge-output';
import type { JudgeInput } from './judge.types';

const answer = answerInput();
const criteria = criteriaInput;
const base = judgeOutputBase;
const scored = { ...base, answer_correct: null, criteria_scores: { reasoning: 4, depth: 3 } };

function problemOf(content: string, input: JudgeInput): string {
  try {
    parseJudgeOutput(content, input);
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    expect(err.code).toBe(ErrorCode.EVAL_JUDGE_PROVIDER_ERROR);
    expect(err.message).toBe(`malformed judge output: ${(err.details as { problem: string }).problem}`);
    return (err.details as { problem: string }).problem;
  }
  throw new Error('expected a parse error');
}

describe('parseJudgeOutput: the path of the wrong field is in the message', () => {
  it.each<[string, unknown, JudgeInput, string]>([
    ['a criteria score that is a word', { ...scored, criteria_scores: { reasoning: 4, depth: 'deep' } }, criteria, 'criteria_scores.depth must be a number'],
    ['a criteria score that is null', { ...scored, criteria_scores: { depth: null } }, criteria, 'criteria_scores.depth must be a number'],
    ['criteria scores as a list', { ...scored, criteria_scores: [4, 3] }, criteria, 'criteria_scores must be an object or null'],
    ['an issue tag that is not text', { ...base, issue_tags: ['vague', 7] }, answer, 'issue_tags[1] must be a string'],
    ['a quality score that is a boolean', { ...base, quality_score: true }, answer, 'quality_score must be a number'],
    ['a quality score that is null', { ...base, quality_score: null }, answer, 'quality_score must be a number'],
    ['a quality score written as a word', { ...base, quality_score: 'four' }, answer, 'quality_score must be a number'],
    ['reasoning as a list', { ...base, reasoning: ['a', 'b'] }, answer, 'reasoning must be a string'],
    ['source_correct as a number', { ...base, source_correct: 1 }, answer, 'source_correct must be true, false or null'],
    ['an answer flag that is not one in criteria mode too', { ...scored, answer_correct: 'maybe' }, criteria, 'answer_correct must be true, false or null'],
    ['a JSON string', 'just text', answer, 'the content is not a JSON object'],
    ['JSON null', null, answer, 'the content is not a JSON object'],
  ])('%s', (_name, body, input, problem) => {
    expect(problemOf(JSON.stringify(body), input)).toBe(problem);
  });

  it('reports every problem at once, missing keys by name', () => {
    const { reasoning: _r, issue_tags: _t, ...rest } = base;
    expect(problemOf(JSON.stringify({ ...rest, quality_score: 'high' }), answer)).toBe(
      'quality_score must be a number; missing key issue_tags; missing key reasoning',
    );
  });

  it('refuses a number JSON cannot hold', () => {
    expect(
      problemOf(
        '{"answer_correct": true, "source_correct": null, "quality_score": 1e999, "criteria_scores": null, "issue_tags": [], "reasoning": "r"}',
        answer,
      ),
    ).toBe('quality_score must be a number');
  });
});

describe('parseJudgeOutput: the shapes it accepts', () => {
  it('ignores criteria scores of any shape in answer mode, where they do not apply', () => {
    const { verdict } = parseJudgeOutput(JSON.stringify({ ...base, criteria_scores: { depth: 'deep' } }), answer);
    expect(verdict.criteria_scores).toBeNull();
  });

  it('keeps extra keys out of the verdict but in the parsed trace', () => {
    const { verdict, parsed } = parseJudgeOutput(JSON.stringify({ ...base, confidence: 0.9 }), answer);
    expect(verdict).not.toHaveProperty('confidence');
    expect(parsed).toMatchObject({ confidence: 0.9 });
  });

  it('trims and de-duplicates issue tags, and reads "null" and "no" as words', () => {
    const { verdict } = parseJudgeOutput(
      JSON.stringify({ ...base, answer_correct: 'no', source_correct: 'null', issue_tags: [' vague ', 'vague', ''] }),
      answer,
    );
    expect(verdict).toMatchObject({ answer_correct: false, source_correct: null, issue_tags: ['vague'] });
  });

  it('reads criteria scores sent as text', () => {
    const { verdict } = parseJudgeOutput(JSON.stringify({ ...scored, criteria_scores: { reasoning: ' 4 ', depth: '-1.5' } }), criteria);
    expect(verdict.criteria_scores).toEqual({ reasoning: 4, depth: -1.5 });
  });
});
