import { compareFixture } from './__fixtures__/compare';
import { decideGate, GateRules } from './gate-decision';

const plain: GateRules = { requireSignificance: false, maxRegressions: 0, minPairedCases: 0 };

describe('decideGate', () => {
  it('fails on any regressed case by default, naming the count and the allowance', () => {
    const d = decideGate(compareFixture(), plain);
    expect(d.verdict).toBe('regressed');
    expect(d.reasons).toEqual(['4 regressed cases, at most 0 allowed']);
  });

  it('tolerates up to --max-regressions, and fails one above it', () => {
    expect(decideGate(compareFixture(), { ...plain, maxRegressions: 4 }).verdict).toBe('pass');
    expect(decideGate(compareFixture(), { ...plain, maxRegressions: 3 }).verdict).toBe('regressed');
  });

  it('with --require-significance, 4 regressions that McNemar does not find significant (p = 0.125) pass', () => {
    const d = decideGate(compareFixture(), { ...plain, requireSignificance: true });
    expect(d.verdict).toBe('pass');
    expect(d.checks.map((c) => c.name)).toEqual(['significant_regression']);
    expect(d.checks[0]!.detail).toContain('p = 0.125');
  });

  it('with --require-significance, a verdict of regressed fails', () => {
    const d = decideGate(compareFixture({ verdict: 'regressed' }), { ...plain, requireSignificance: true });
    expect(d.verdict).toBe('regressed');
  });

  it('an inconclusive verdict passes the significance rule with a warning', () => {
    const d = decideGate(compareFixture({ verdict: 'inconclusive', verdict_reason: 'fewer than 5 paired cases', compared_case_count: 3 }), {
      ...plain,
      requireSignificance: true,
    });
    expect(d.verdict).toBe('pass');
    expect(d.warnings[0]).toContain('too few paired cases');
  });

  it('checks the candidate pass rate against --min-pass-rate, inclusive at the limit', () => {
    expect(decideGate(compareFixture(), { ...plain, maxRegressions: 10, minPassRate: 0.8 }).verdict).toBe('pass');
    const d = decideGate(compareFixture(), { ...plain, maxRegressions: 10, minPassRate: 0.81 });
    expect(d.verdict).toBe('regressed');
    expect(d.reasons).toEqual(['candidate pass rate 80.0%, at least 81.0% required']);
  });

  it('checks the paired pass-rate drop against --max-pass-rate-drop (a 10 pp drop)', () => {
    expect(decideGate(compareFixture(), { ...plain, maxRegressions: 10, maxPassRateDrop: 0.1 }).verdict).toBe('pass');
    expect(decideGate(compareFixture(), { ...plain, maxRegressions: 10, maxPassRateDrop: 0.09 }).verdict).toBe('regressed');
  });

  it('checks the lower bound of the pass-rate difference against the non-inferiority margin', () => {
    // The interval's lower bound is −20%.
    expect(decideGate(compareFixture(), { ...plain, maxRegressions: 10, nonInferiorityMargin: 0.2 }).verdict).toBe('pass');
    const d = decideGate(compareFixture(), { ...plain, maxRegressions: 10, nonInferiorityMargin: 0.05 });
    expect(d.verdict).toBe('regressed');
    expect(d.checks.find((c) => c.name === 'non_inferiority')!.passed).toBe(false);
  });

  it('fails when too few cases pair with the baseline (a golden set uploaded anew shares none), by default at 0', () => {
    const none = compareFixture({ compared_case_count: 0, regression_count: 0, regressions: [], unpaired_case_count: 40 });
    const d = decideGate(none, { ...plain, minPairedCases: 1 });
    expect(d.verdict).toBe('regressed');
    expect(d.reasons).toEqual(['0 paired cases, at least 1 required (the runs share no case: was the golden set uploaded anew?)']);
    expect(decideGate(none, plain).verdict).toBe('pass');
    expect(decideGate(compareFixture(), { ...plain, maxRegressions: 10, minPairedCases: 40 }).verdict).toBe('pass');
    expect(decideGate(compareFixture(), { ...plain, maxRegressions: 10, minPairedCases: 41 }).verdict).toBe('regressed');
  });

  it('writes negative differences with a real minus sign', () => {
    const d = decideGate(compareFixture(), { ...plain, maxRegressions: 10, maxPassRateDrop: 0.05, nonInferiorityMargin: 0.05 });
    expect(d.reasons).toEqual([
      'pass-rate difference ≥ −20.0 pp at 95% confidence, non-inferiority margin −5.0 pp',
      'pass rate changed by −10.0 pp over 40 paired cases, a drop of at most 5.0 pp allowed',
    ]);
  });

  it('lists every failed check, and warns about cases only one run has', () => {
    const d = decideGate(compareFixture({ unpaired_case_count: 2 }), { ...plain, minPassRate: 0.95, maxPassRateDrop: 0.01 });
    expect(d.reasons).toHaveLength(3);
    expect(d.warnings).toEqual(['2 case(s) are in only one of the runs and were not compared']);
  });
});
