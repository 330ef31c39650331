import type { JudgeInput } from '../judge.types';
import { ANALYSIS, SEARCH } from './builtin-profiles';

/** An answer-mode case whose expected answer is "Paris", answered "Paris". */
export const answerInput = (expectedSources: string[] = []): JudgeInput => ({
  mode: 'answer',
  case: { input: 'q', expected_answer: 'Paris', expected_sources: expectedSources, criteria: null, dimensions: [] },
  actual: { output: 'Paris', sources: [] },
  profile: SEARCH,
});

/** A criteria-mode case scored against a rubric with the Analysis profile. */
export const criteriaInput: JudgeInput = {
  mode: 'criteria',
  case: { input: 'q', expected_answer: null, expected_sources: [], criteria: 'rubric', dimensions: [] },
  actual: { output: 'o', sources: [] },
  profile: ANALYSIS,
};

/** A well-formed judge verdict for an answer-mode case. */
export const judgeOutputBase = { answer_correct: true, source_correct: null, quality_score: 4, criteria_scores: null, issue_tags: [], reasoning: 'r' };
