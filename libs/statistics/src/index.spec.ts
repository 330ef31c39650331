import { decideVerdict, mcnemarExact, pairedBootstrapMeanCI, pairedProportionDelta, signTest, wilcoxonSignedRank } from '.';

describe('a 50,000-case compare end to end', () => {
  it('runs every statistic on 50,000 paired cases with finite results', () => {
    // Measured on the 2-core dev machine: 0.3–0.4 s for the whole compare (bootstrap 0.15–0.3 s with its 400 budgeted
    // resamples, Wilcoxon ~0.1 s, McNemar and the rest < 1 ms) — well under a second.
    const n = 50_000;
    const baseline = Array.from({ length: n }, (_, i) => ((i * 37) % 101) / 100);
    const candidate = baseline.map((b, i) => (i % 9 === 0 ? Math.max(0, b - 0.2) : i % 13 === 0 ? Math.min(1, b + 0.1) : b));
    const differences = candidate.map((c, i) => c - baseline[i]);
    let regressions = 0;
    let improvements = 0;
    let bothPass = 0;
    for (let i = 0; i < n; i++) {
      const before = baseline[i] >= 0.5;
      const after = candidate[i] >= 0.5;
      if (before && !after) regressions++;
      else if (!before && after) improvements++;
      else if (before && after) bothPass++;
    }
    const pass = mcnemarExact(regressions, improvements);
    const scores = wilcoxonSignedRank(differences);
    const sign = signTest(differences);
    const ci = pairedBootstrapMeanCI(differences, { seed: 123 });
    const rate = pairedProportionDelta({ both_pass: bothPass, regressions, improvements, both_fail: n - bothPass - regressions - improvements });
    const verdict = decideVerdict({ pass, scores, paired_cases: n, alpha: 0.05 });
    for (const value of [pass.p_value, scores.p_value, scores.z ?? NaN, sign.p_value, ci.lower, ci.upper, rate.lower, rate.upper]) {
      expect(Number.isFinite(value)).toBe(true);
    }
    expect(verdict.verdict).toBe('regressed');
    expect(ci.upper).toBeLessThan(0);
    expect(rate.delta).toBeLessThan(0);
  });
});
