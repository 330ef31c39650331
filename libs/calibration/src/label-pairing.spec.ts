import { JudgeVerdict, pairLabels } from './label-pairing';

const verdict = (case_id: string, v: Partial<JudgeVerdict>): JudgeVerdict => ({
  case_id,
  passed: null,
  answer_correct: null,
  source_correct: null,
  quality_score: null,
  ...v,
});

describe('pairLabels', () => {
  it('pairs only where both sides gave a value, and leaves unlabelled fields out', () => {
    const verdicts = new Map([
      ['a', verdict('a', { passed: true, quality_score: 4.6 })],
      ['b', verdict('b', { passed: false, quality_score: null })],
      ['c', verdict('c', { passed: null, quality_score: 1 })],
    ]);
    const r = pairLabels(
      [
        { case_id: 'a', passed: true, quality_score: 5 },
        { case_id: 'b', passed: true, quality_score: 3 },
        { case_id: 'c', passed: false, quality_score: 1 },
      ],
      verdicts,
    );
    expect(r.kappa.passed.n).toBe(2);
    expect(r.kappa.passed.matrix).toEqual({
      labels: ['true', 'false'],
      counts: [
        [1, 1],
        [0, 0],
      ],
    });
    expect(r.kappa.passed.label_counts).toEqual({ human: { true: 2, false: 0 }, judge: { true: 1, false: 1 } });
    expect(r.agreement.fields.passed).toBe(0.5);
    // 4.6 rounds to 5 on the scale: both quality pairs agree exactly.
    expect(r.kappa.quality_score.n).toBe(2);
    expect(r.agreement.fields.quality_score).toBe(1);
    expect(r.agreement).toMatchObject({ overall: 0.75, pairs: 4 });
    expect(r.kappa.answer_correct).toBeUndefined();
  });

  it('no pairs at all: overall agreement is null', () => {
    expect(pairLabels([{ case_id: 'x' }], new Map())).toEqual({ agreement: { overall: null, pairs: 0, fields: {} }, kappa: {} });
  });
});
