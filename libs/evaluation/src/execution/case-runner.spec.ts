import { computePassed } from './case-runner';

describe('computePassed', () => {
  const v = { answer_correct: true, source_correct: null, quality_score: 4, criteria_scores: null, issue_tags: [], reasoning: '' };
  it('needs the threshold, a correct answer and no wrong sources in answer mode', () => {
    expect(computePassed(v, 'answer', 4)).toBe(true);
    expect(computePassed({ ...v, quality_score: 3.9 }, 'answer', 4)).toBe(false);
    expect(computePassed({ ...v, answer_correct: false }, 'answer', 4)).toBe(false);
    expect(computePassed({ ...v, source_correct: false }, 'answer', 4)).toBe(false);
  });
  it('only needs the threshold in criteria mode', () => {
    expect(computePassed({ ...v, answer_correct: null }, 'criteria', 4)).toBe(true);
    expect(computePassed({ ...v, answer_correct: null, quality_score: 2 }, 'criteria', 4)).toBe(false);
  });
});
