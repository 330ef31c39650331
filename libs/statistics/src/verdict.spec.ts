import { mcnemarExact } from './mcnemar';
import { decideVerdict } from './verdict';
import { wilcoxonSignedRank } from './wilcoxon';

const worseScores = wilcoxonSignedRank(Array.from({ length: 12 }, (_, i) => -(i + 1) / 100));
const betterScores = wilcoxonSignedRank(Array.from({ length: 12 }, (_, i) => (i + 1) / 100));
const flatScores = wilcoxonSignedRank([0.1, -0.1, 0.2, -0.2, 0.05, -0.05]);

describe('decideVerdict', () => {
  it('fewer than 5 paired cases → inconclusive, whatever the tests say', () => {
    expect(decideVerdict({ pass: mcnemarExact(4, 0), scores: null, paired_cases: 4, alpha: 0.05 })).toMatchObject({ verdict: 'inconclusive' });
    expect(decideVerdict({ pass: null, scores: null, paired_cases: 0, alpha: 0.05 }).reason).toContain('0 paired case');
  });

  it('no test available → inconclusive', () => {
    expect(decideVerdict({ pass: null, scores: null, paired_cases: 50, alpha: 0.05 }).verdict).toBe('inconclusive');
  });

  it('significantly more regressions than improvements → regressed', () => {
    const result = decideVerdict({ pass: mcnemarExact(12, 1), scores: null, paired_cases: 100, alpha: 0.05 });
    expect(result.verdict).toBe('regressed');
    expect(result.reason).toContain('pass rate (12 regressed, 1 improved cases) got worse');
  });

  it('significantly more improvements → improved', () => {
    expect(decideVerdict({ pass: mcnemarExact(1, 12), scores: null, paired_cases: 100, alpha: 0.05 }).verdict).toBe('improved');
  });

  it('scores alone can decide, in either direction', () => {
    expect(decideVerdict({ pass: null, scores: worseScores, paired_cases: 12, alpha: 0.05 }).verdict).toBe('regressed');
    expect(decideVerdict({ pass: null, scores: betterScores, paired_cases: 12, alpha: 0.05 }).verdict).toBe('improved');
  });

  it('a significant regression wins over a significant improvement on the other measure', () => {
    const result = decideVerdict({ pass: mcnemarExact(1, 12), scores: worseScores, paired_cases: 100, alpha: 0.05 });
    expect(result.verdict).toBe('regressed');
    expect(result.reason).toContain('scores');
  });

  it('p at or above alpha → no_significant_change (3 vs 9 discordant, p = 0.146)', () => {
    const result = decideVerdict({ pass: mcnemarExact(3, 9), scores: flatScores, paired_cases: 40, alpha: 0.05 });
    expect(result.verdict).toBe('no_significant_change');
    expect(result.reason).toContain('pass rate p = 0.1460');
  });

  it('identical runs with enough cases → no_significant_change', () => {
    const result = decideVerdict({ pass: mcnemarExact(0, 0), scores: wilcoxonSignedRank([0, 0, 0, 0, 0, 0]), paired_cases: 6, alpha: 0.05 });
    expect(result.verdict).toBe('no_significant_change');
  });

  it('alpha is respected: p = 0.0117 regresses at 0.05 but not at 0.01', () => {
    const pass = mcnemarExact(10, 1); // 2·(1+11)/2048 = 0.01171875
    expect(decideVerdict({ pass, scores: null, paired_cases: 30, alpha: 0.05 }).verdict).toBe('regressed');
    expect(decideVerdict({ pass, scores: null, paired_cases: 30, alpha: 0.01 }).verdict).toBe('no_significant_change');
  });

  it('rejects an alpha outside (0, 1)', () => {
    expect(() => decideVerdict({ pass: null, scores: null, paired_cases: 10, alpha: 0 })).toThrow(RangeError);
  });
});
