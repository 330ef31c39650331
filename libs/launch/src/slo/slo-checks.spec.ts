import { breachesOf, checkCompare, checkRun, RunFacts } from './slo-checks';
import { gateDefaultsOf } from './slo-monitor';

const summary = (over: Partial<NonNullable<RunFacts['summary']>> = {}): NonNullable<RunFacts['summary']> => ({
  result_count: 10,
  answer: { evaluated: 10, correct: 5, rate: 0.5 },
  source: { evaluated: 0, correct: 0, rate: 0 },
  quality: { evaluated: 10, average_score: 3.5, pass_count: 8, pass_threshold: 4, pass_rate: 0.8 },
  pass_rate: 0.5,
  ...over,
});
const run = (over: Partial<RunFacts> = {}): RunFacts => ({ status: 'completed', summary: summary(), duration_seconds: 12.5, cost_usd: null, ...over });
const byMetric = (checks: { metric: string; status: string }[]) => Object.fromEntries(checks.map((c) => [c.metric, c.status]));

describe('SLO checks of a run', () => {
  it('holds a completed run to the rates: below fails, equal passes, nothing evaluated is not measured', () => {
    const checks = checkRun({ min_answer_correct_rate: 0.6, min_quality_pass_rate: 0.8, min_source_correct_rate: 0.1, min_pass_rate: 0.5 }, run());
    expect(byMetric(checks)).toEqual({
      min_answer_correct_rate: 'fail',
      min_quality_pass_rate: 'pass',
      min_source_correct_rate: 'not_measured',
      min_pass_rate: 'pass',
    });
    expect(checks.find((c) => c.metric === 'min_answer_correct_rate')).toEqual({
      metric: 'min_answer_correct_rate',
      status: 'fail',
      observed_value: 0.5,
      threshold_value: 0.6,
    });
  });

  it('holds a failed or cancelled run to its duration and cost only', () => {
    for (const status of ['failed', 'cancelled'] as const) {
      const checks = checkRun({ min_pass_rate: 0.9, max_run_duration_seconds: 10, max_run_cost_usd: 1 }, run({ status, cost_usd: 0.5 }));
      expect(byMetric(checks)).toEqual({ min_pass_rate: 'not_measured', max_run_duration_seconds: 'fail', max_run_cost_usd: 'pass' });
    }
  });

  it('a maximum is breached only above it; an unknown cost or duration is not measured', () => {
    expect(byMetric(checkRun({ max_run_duration_seconds: 12.5 }, run()))).toEqual({ max_run_duration_seconds: 'pass' });
    expect(byMetric(checkRun({ max_run_cost_usd: 0 }, run({ cost_usd: 0 })))).toEqual({ max_run_cost_usd: 'pass' });
    expect(byMetric(checkRun({ max_run_cost_usd: 0 }, run({ cost_usd: 0.000001 })))).toEqual({ max_run_cost_usd: 'fail' });
    expect(byMetric(checkRun({ max_run_cost_usd: 1, max_run_duration_seconds: 1 }, run({ duration_seconds: null })))).toEqual({
      max_run_cost_usd: 'not_measured',
      max_run_duration_seconds: 'not_measured',
    });
  });

  it('an empty policy checks nothing; unset (null) fields are skipped', () => {
    expect(checkRun({}, run())).toEqual([]);
    expect(checkRun({ min_pass_rate: null, max_run_cost_usd: null }, run())).toEqual([]);
    expect(checkCompare({ require_no_significant_regression: false }, { regression_count: 3, verdict: 'regressed' })).toEqual([]);
  });
});

describe('SLO checks of a compare', () => {
  it('counts regressions against the maximum and a regressed verdict against require_no_significant_regression', () => {
    const t = { max_regression_count: 2, require_no_significant_regression: true };
    expect(byMetric(checkCompare(t, { regression_count: 3, verdict: 'regressed' }))).toEqual({
      max_regression_count: 'fail',
      require_no_significant_regression: 'fail',
    });
    expect(byMetric(checkCompare(t, { regression_count: 2, verdict: 'inconclusive' }))).toEqual({
      max_regression_count: 'pass',
      require_no_significant_regression: 'pass',
    });
    expect(byMetric(checkCompare({ max_regression_count: 0 }, { regression_count: 1, verdict: 'no_significant_change' }))).toEqual({
      max_regression_count: 'fail',
    });
  });

  it('turns failed checks into breaches carrying the details', () => {
    const checks = checkCompare(
      { max_regression_count: 0, require_no_significant_regression: true },
      { regression_count: 4, verdict: 'no_significant_change' },
    );
    expect(breachesOf(checks, { compare_id: 'c1' })).toEqual([
      { metric: 'max_regression_count', observed_value: 4, threshold_value: 0, details: { compare_id: 'c1' } },
    ]);
  });
});

describe('gate defaults from a policy', () => {
  it('maps the golden-set and calibration fields onto run gates, leaving unset ones out', () => {
    expect(gateDefaultsOf({})).toEqual({});
    expect(gateDefaultsOf({ min_pass_rate: 0.9, require_golden_set_quality_gate: null })).toEqual({});
    expect(
      gateDefaultsOf({
        require_golden_set_quality_gate: true,
        min_active_case_count: 20,
        min_verified_case_ratio: 0.5,
        require_calibration_gate: false,
        calibration_field: 'quality_score',
        min_calibration_kappa: 0.4,
      }),
    ).toEqual({
      require_golden_set_quality_gate: true,
      min_active_case_count: 20,
      min_verified_case_ratio: 0.5,
      require_calibration_gate: false,
      calibration: { field: 'quality_score', min_kappa: 0.4 },
    });
    expect(gateDefaultsOf({ min_calibration_agreement: 0.8, max_calibration_age_days: 7 })).toEqual({
      calibration: { min_agreement: 0.8, max_calibration_age_days: 7 },
    });
  });
});
