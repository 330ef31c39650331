import { CaseOutcome, classifyPair, newestVersion, pairCases, pairedCounts, scoreDifferences } from './case-pairing';

const outcome = (case_id: string, pass_rate: number, quality_score: number | null = null, trials = 1): CaseOutcome => ({
  case_id,
  trials,
  pass_rate,
  passed: pass_rate > 0.5,
  quality_score,
  answer_correct: null,
  source_correct: null,
});

describe('pairing cases of two runs', () => {
  it('pairs by case id and reports the rest as unpaired on each side', () => {
    const p = pairCases([outcome('a', 1), outcome('b', 1)], [outcome('b', 0), outcome('c', 1)], new Map());
    expect(p.pairs.map((x) => [x.baseline.case_id, x.candidate.case_id, x.via_lineage])).toEqual([['b', 'b', false]]);
    expect(p.baseline_only).toEqual(['a']);
    expect(p.candidate_only).toEqual(['c']);
  });

  it('pairs a superseded case with its successor, through a chain, in either direction', () => {
    const successor = new Map([
      ['a1', 'a2'],
      ['a2', 'a3'],
      ['b1', 'b2'],
    ]);
    expect(newestVersion('a1', successor)).toBe('a3');
    const p = pairCases([outcome('a1', 1), outcome('b2', 1)], [outcome('a3', 0), outcome('b1', 1)], successor);
    expect(p.pairs.map((x) => [x.baseline.case_id, x.candidate.case_id, x.via_lineage])).toEqual([
      ['a1', 'a3', true],
      ['b2', 'b1', true],
    ]);
    expect(p.baseline_only).toEqual([]);
    expect(p.candidate_only).toEqual([]);
  });

  it('uses a case once: the same id wins over lineage, and a cycle stops the walk', () => {
    const successor = new Map([
      ['x1', 'x2'],
      ['x2', 'x1'],
    ]);
    expect(['x1', 'x2']).toContain(newestVersion('x1', successor));
    const p = pairCases([outcome('x1', 1), outcome('y1', 1)], [outcome('x1', 1), outcome('y2', 1)], new Map([['y1', 'y2'], ...successor]));
    expect(p.pairs.map((x) => [x.baseline.case_id, x.candidate.case_id])).toEqual([
      ['x1', 'x1'],
      ['y1', 'y2'],
    ]);
  });
});

describe('what a regression is', () => {
  const pair = (b: CaseOutcome, c: CaseOutcome) => ({ baseline: b, candidate: c, via_lineage: false });

  it('pass to fail is a regression, fail to pass an improvement, whatever the scores', () => {
    expect(classifyPair(pair(outcome('a', 1, 2), outcome('a', 0, 5)))).toEqual({ direction: 'regression', kind: 'pass_rate' });
    expect(classifyPair(pair(outcome('a', 0, 5), outcome('a', 1, 1)))).toEqual({ direction: 'improvement', kind: 'pass_rate' });
  });

  it('with the same pass rate, a lower judged score is a regression; equal or unjudged is no change', () => {
    expect(classifyPair(pair(outcome('a', 1, 5), outcome('a', 1, 4.5)))).toEqual({ direction: 'regression', kind: 'quality_score' });
    expect(classifyPair(pair(outcome('a', 0, 1), outcome('a', 0, 2)))).toEqual({ direction: 'improvement', kind: 'quality_score' });
    expect(classifyPair(pair(outcome('a', 1, 4), outcome('a', 1, 4)))).toBeNull();
    expect(classifyPair(pair(outcome('a', 1, null), outcome('a', 1, 3)))).toBeNull();
  });

  it('with repeated trials, a lower pass rate is a regression even when the majority still passes', () => {
    expect(classifyPair(pair(outcome('a', 1, 5, 3), outcome('a', 2 / 3, 5, 3)))).toEqual({ direction: 'regression', kind: 'pass_rate' });
  });

  it('counts the 2×2 table and the score differences over the pairs that have them', () => {
    const pairs = [
      pair(outcome('a', 1, 4), outcome('a', 1, 5)),
      pair(outcome('b', 1, 4), outcome('b', 0, 1)),
      pair(outcome('c', 0, null), outcome('c', 1, 3)),
      pair(outcome('d', 0, 2), outcome('d', 0, 2)),
    ];
    expect(pairedCounts(pairs, (o) => o.passed)).toEqual({ both_pass: 1, regressions: 1, improvements: 1, both_fail: 1 });
    expect(scoreDifferences(pairs)).toEqual([1, -3, 0]);
  });
});
