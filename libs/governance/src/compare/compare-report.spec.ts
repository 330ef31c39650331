import type { CaseOutcome, CasePair } from './case-pairing';
import { CASE_LIST_CAP, caseChanges } from './compare-report';
import { analysePairs, bootstrapSeed } from './compare-statistics';

const outcome = (case_id: string, passed: boolean, quality_score: number | null): CaseOutcome => ({
  case_id,
  trials: 1,
  pass_rate: passed ? 1 : 0,
  passed,
  quality_score,
  answer_correct: passed,
  source_correct: null,
});
const pair = (id: string, before: boolean, after: boolean, scores: [number, number] = [before ? 5 : 1, after ? 5 : 1]): CasePair => ({
  baseline: outcome(id, before, scores[0]),
  candidate: outcome(id, after, scores[1]),
  via_lineage: false,
});
const id = (i: number) => `case-${String(i).padStart(5, '0')}`;

describe('the evidence of a compare', () => {
  it('counts every regression but lists at most the cap, in order', () => {
    const pairs = Array.from({ length: CASE_LIST_CAP + 5 }, (_, i) => pair(id(i), true, false));
    const changes = caseChanges(pairs);
    expect(changes.regressionCount).toBe(CASE_LIST_CAP + 5);
    expect(changes.regressions).toHaveLength(CASE_LIST_CAP);
    expect(changes.regressions[0]).toMatchObject({ case_id: id(0), decided_by: 'pass_rate', quality_score_delta: -4 });
    expect(changes.improvementCount).toBe(0);
  });

  it('no pairs: an inconclusive verdict with empty tests, never an error', () => {
    const out = analysePairs({ pairs: [], alpha: 0.05, seed: 1 });
    expect(out.verdict).toBe('inconclusive');
    expect(out.statistics.pass_fail).toMatchObject({ regressions: 0, improvements: 0, p_value: 1 });
    expect(out.deltas.pass_rate).toMatchObject({ paired_cases: 0 });
  });

  it('the same pairs and seed give the same interval; the seed follows the pair of runs, in order', () => {
    const pairs = Array.from({ length: 40 }, (_, i) => pair(id(i), true, i % 4 !== 0, [5, 5 - (i % 3)]));
    const seed = bootstrapSeed('run-a', 'run-b');
    expect(seed).toBe(bootstrapSeed('run-a', 'run-b'));
    expect(seed).not.toBe(bootstrapSeed('run-b', 'run-a'));
    const a = analysePairs({ pairs, alpha: 0.05, seed });
    expect(analysePairs({ pairs, alpha: 0.05, seed })).toEqual(a);
    expect(a.verdict).toBe('regressed');
    expect(a.deltas.quality.bootstrap.upper).toBeLessThan(0);
    expect(a.statistics.pass_fail).toMatchObject({ regressions: 10, improvements: 0, both_pass: 30, both_fail: 0 });
  });
});
