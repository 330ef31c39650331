import { overrideFields, reviewDeltas } from './result-review';

const judged = { answer_correct: false, source_correct: true, quality_score: 2, criteria_scores: { tone: 3 }, review_override: null };

describe('reviewDeltas', () => {
  it('shows no change for a result without an override', () => {
    const d = reviewDeltas(judged);
    expect(d.answer_correct).toEqual({ judge: false, reviewer: false, changed: false });
    expect(d.quality_score).toEqual({ judge: 2, reviewer: 2, delta: 0 });
    expect(d.criteria_scores).toEqual({ tone: { judge: 3, reviewer: 3, delta: 0 } });
  });

  it('compares the reviewer with the judge on every overridden field, keeping the judge value elsewhere', () => {
    const d = reviewDeltas({ ...judged, review_override: { answer_correct: true, quality_score: 4.5, criteria_scores: { clarity: 5 } } });
    expect(d.answer_correct).toEqual({ judge: false, reviewer: true, changed: true });
    expect(d.source_correct.changed).toBe(false);
    expect(d.quality_score).toEqual({ judge: 2, reviewer: 4.5, delta: 2.5 });
    expect(d.criteria_scores).toEqual({ tone: { judge: 3, reviewer: 3, delta: 0 }, clarity: { judge: null, reviewer: 5, delta: null } });
  });
});

describe('overrideFields', () => {
  it('names the fields an override sets', () => {
    expect(overrideFields(undefined)).toEqual([]);
    expect(overrideFields({ source_correct: false, criteria_scores: {} })).toEqual(['source_correct', 'criteria_scores']);
  });
});
