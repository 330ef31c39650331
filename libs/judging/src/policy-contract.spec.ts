import { ERROR_HTTP_STATUS, ErrorCode } from '@greenlight/contracts';
import { DomainError } from '@greenlight/platform';
import { ANALYSIS, SEARCH } from './__fixtures__/builtin-profiles';
import type { JudgeInput, JudgeVerdict } from './judge.types';
import { assertPolicyContract, checkPolicyContract, dimensionsToScore } from './policy-contract';

const answerInput: JudgeInput = {
  mode: 'answer',
  case: { input: 'q', expected_answer: 'Paris', expected_sources: [], criteria: null, dimensions: [] },
  actual: { output: 'Paris', sources: [] },
  profile: SEARCH,
};

const criteriaInput = (dimensions: string[] = []): JudgeInput => ({
  mode: 'criteria',
  case: { input: 'q', expected_answer: null, expected_sources: [], criteria: 'be useful', dimensions },
  actual: { output: 'text', sources: [] },
  profile: ANALYSIS,
});

const answerVerdict = (over: Partial<JudgeVerdict> = {}): JudgeVerdict => ({
  answer_correct: true,
  source_correct: null,
  quality_score: 5,
  criteria_scores: null,
  issue_tags: [],
  reasoning: 'ok',
  ...over,
});

const criteriaVerdict = (scores: Record<string, number>, over: Partial<JudgeVerdict> = {}): JudgeVerdict => ({
  answer_correct: null,
  source_correct: null,
  quality_score: 4,
  criteria_scores: scores,
  issue_tags: [],
  reasoning: 'ok',
  ...over,
});

const fullScores = { reasoning: 4, evidence: 4, actionability: 4 };

describe('dimensionsToScore', () => {
  it('is the required dimensions, then the extra ones the case asks for', () => {
    expect(dimensionsToScore(criteriaInput())).toEqual(['reasoning', 'evidence', 'actionability']);
    expect(dimensionsToScore(criteriaInput(['depth', 'evidence', 'x']))).toEqual(['reasoning', 'evidence', 'actionability', 'depth', 'x']);
  });
});

describe('checkPolicyContract', () => {
  it('accepts verdicts that honour the profile', () => {
    expect(checkPolicyContract(answerVerdict({ quality_score: 1, issue_tags: ['hallucination', 'wrong_source'] }), answerInput)).toEqual([]);
    expect(checkPolicyContract(criteriaVerdict(fullScores), criteriaInput())).toEqual([]);
    expect(checkPolicyContract(criteriaVerdict({ ...fullScores, depth: 1 }), criteriaInput(['depth']))).toEqual([]);
  });

  it.each([0.9, 5.1, Number.NaN, Number.POSITIVE_INFINITY])('score_scale: quality_score %p', (q) => {
    expect(checkPolicyContract(answerVerdict({ quality_score: q }), answerInput)).toEqual([
      { rule: 'score_scale', field: 'quality_score', message: 'quality_score must be a number from 1 to 5', value: q },
    ]);
  });

  it('score_scale: criteria scores outside the criteria scale', () => {
    const v = checkPolicyContract(criteriaVerdict({ reasoning: 0, evidence: 6, actionability: 3 }), criteriaInput());
    expect(v.map((x) => [x.rule, x.field, x.value])).toEqual([
      ['score_scale', 'criteria_scores.reasoning', 0],
      ['score_scale', 'criteria_scores.evidence', 6],
    ]);
  });

  it('score_scale: follows the profile scale, not 1..5', () => {
    const profile = { ...ANALYSIS, scoring_scale: { ...ANALYSIS.scoring_scale, criteria: { type: 'likert' as const, min: 0, max: 10 } } };
    const input = { ...criteriaInput(), profile };
    expect(checkPolicyContract(criteriaVerdict({ reasoning: 0, evidence: 10, actionability: 7 }), input)).toEqual([]);
    expect(checkPolicyContract(criteriaVerdict({ reasoning: 11, evidence: 10, actionability: 7 }), input)).toHaveLength(1);
  });

  it('issue_tag_allowlist: tags the profile does not list', () => {
    const v = checkPolicyContract(answerVerdict({ issue_tags: ['hallucination', 'calculation_error', 'made_up'] }), answerInput);
    expect(v).toEqual([
      expect.objectContaining({ rule: 'issue_tag_allowlist', field: 'issue_tags[1]', value: 'calculation_error' }),
      expect.objectContaining({ rule: 'issue_tag_allowlist', field: 'issue_tags[2]', value: 'made_up' }),
    ]);
  });

  it('required_dimensions: every required dimension must be scored', () => {
    const v = checkPolicyContract(criteriaVerdict({ reasoning: 4 }), criteriaInput());
    expect(v).toEqual([
      { rule: 'required_dimensions', field: 'criteria_scores.evidence', message: expect.stringContaining('required dimension "evidence"'), value: null },
      { rule: 'required_dimensions', field: 'criteria_scores.actionability', message: expect.any(String), value: null },
    ]);
  });

  it('required_dimensions: a requested optional dimension must be scored too', () => {
    const v = checkPolicyContract(criteriaVerdict(fullScores), criteriaInput(['depth']));
    expect(v).toEqual([
      { rule: 'required_dimensions', field: 'criteria_scores.depth', message: 'dimension "depth" requested by the case was not scored', value: null },
    ]);
  });

  it('required_dimensions: null criteria scores in criteria mode miss all of them', () => {
    const v = checkPolicyContract(criteriaVerdict(fullScores, { criteria_scores: null }), criteriaInput());
    expect(v.map((x) => x.field)).toEqual(['criteria_scores.reasoning', 'criteria_scores.evidence', 'criteria_scores.actionability']);
  });

  it('unknown_dimension: dimensions the case asks for that the profile does not define', () => {
    const v = checkPolicyContract(criteriaVerdict({ ...fullScores, vibes: 3 }), criteriaInput(['vibes']));
    expect(v).toEqual([
      { rule: 'unknown_dimension', field: 'case.dimensions[0]', message: 'dimension "vibes" is not defined by profile "Analysis"', value: 'vibes' },
    ]);
  });

  it('unknown_dimension: dimensions the judge invents', () => {
    const v = checkPolicyContract(criteriaVerdict({ ...fullScores, clarity: 3 }), criteriaInput());
    expect(v).toEqual([expect.objectContaining({ rule: 'unknown_dimension', field: 'criteria_scores.clarity', value: 'clarity' })]);
  });

  it('does not apply dimension rules in answer mode', () => {
    expect(checkPolicyContract(answerVerdict(), { ...answerInput, profile: ANALYSIS })).toEqual([]);
  });

  it('reports every violation at once', () => {
    const v = checkPolicyContract(criteriaVerdict({ reasoning: 9 }, { quality_score: 7, issue_tags: ['nope'] }), criteriaInput(['ghost']));
    expect(v.map((x) => x.rule).sort()).toEqual([
      'issue_tag_allowlist',
      'required_dimensions',
      'required_dimensions',
      'required_dimensions',
      'score_scale',
      'score_scale',
      'unknown_dimension',
    ]);
  });
});

describe('assertPolicyContract', () => {
  it('is quiet on a clean verdict', () => {
    expect(() => assertPolicyContract(answerVerdict(), answerInput)).not.toThrow();
  });

  it('throws EVAL_POLICY_CONTRACT_ERROR (422) with the violations', () => {
    let caught: unknown;
    try {
      assertPolicyContract(answerVerdict({ quality_score: 9, issue_tags: ['x'] }), answerInput);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DomainError);
    const err = caught as DomainError;
    expect(err.code).toBe(ErrorCode.EVAL_POLICY_CONTRACT_ERROR);
    expect(ERROR_HTTP_STATUS[err.code]).toBe(422);
    expect(err.message).toContain('Search/Retrieval');
    expect(err.message).toContain('(and 1 more)');
    const details = err.details as { violations: unknown[]; profile_id: string; profile_version: number };
    expect(details.violations).toHaveLength(2);
    expect(details.profile_id).toBe(SEARCH.id);
    expect(details.profile_version).toBe(1);
  });
});
