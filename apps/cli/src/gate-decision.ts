import type { CompareResult } from './compare-view';
import { pct, pp, pValue } from './format';

/** What the gate holds a candidate to. Only the thresholds that are set are checked. */
export interface GateRules {
  /** Fail only when the paired tests find a significant regression (verdict `regressed`), not on any regressed case. */
  requireSignificance: boolean;
  /** Without requireSignificance: how many regressed cases are tolerated. */
  maxRegressions: number;
  /** Fail when the pass-rate difference's lower confidence bound is below −margin (non-inferiority). */
  nonInferiorityMargin?: number;
  /** Fail when the candidate's pass rate is below this. */
  minPassRate?: number;
  /** Fail when the candidate's pass rate is more than this below the baseline's (paired cases, point estimate). */
  maxPassRateDrop?: number;
  /**
   * Fail when fewer cases than this are paired: a candidate whose golden set shares no case with the
   * baseline's (a changed file uploaded as a new set) would otherwise pass with nothing compared.
   */
  minPairedCases: number;
}

export interface GateCheck {
  name: 'paired_cases' | 'significant_regression' | 'regression_count' | 'non_inferiority' | 'min_pass_rate' | 'max_pass_rate_drop';
  passed: boolean;
  /** Observed value and limit in words, e.g. "3 regressed cases, at most 0 allowed". */
  detail: string;
}

export interface GateDecision {
  verdict: 'pass' | 'regressed';
  checks: GateCheck[];
  /** The checks that failed, in words. */
  reasons: string[];
  /** Things a reader should know that do not fail the gate (too few cases for a test, ...). */
  warnings: string[];
}

// Rates are stored rounded; a candidate exactly at a threshold passes.
const EPSILON = 1e-9;

/** Decides the gate from a stored compare: pass, or regressed with the checks that failed. */
export function decideGate(compare: CompareResult, rules: GateRules): GateDecision {
  const checks: GateCheck[] = [];
  const warnings: string[] = [];
  const passRate = compare.deltas.pass_rate;
  const pass = compare.statistics.pass_fail;

  if (rules.minPairedCases > 0) {
    checks.push({
      name: 'paired_cases',
      passed: compare.compared_case_count >= rules.minPairedCases,
      detail:
        `${compare.compared_case_count} paired case${compare.compared_case_count === 1 ? '' : 's'}, at least ${rules.minPairedCases} required` +
        (compare.compared_case_count === 0 ? ' (the runs share no case: was the golden set uploaded anew?)' : ''),
    });
  }
  if (rules.requireSignificance) {
    const significant = compare.verdict === 'regressed';
    checks.push({
      name: 'significant_regression',
      passed: !significant,
      detail: `paired tests at α = ${compare.alpha}: ${compare.verdict} (McNemar p = ${pValue(pass.p_value)}, ${pass.regressions} regressed vs ${pass.improvements} improved)`,
    });
    if (compare.verdict === 'inconclusive')
      warnings.push(`too few paired cases for a significance test (${compare.compared_case_count}): ${compare.verdict_reason}`);
  } else {
    checks.push({
      name: 'regression_count',
      passed: compare.regression_count <= rules.maxRegressions,
      detail: `${compare.regression_count} regressed case${compare.regression_count === 1 ? '' : 's'}, at most ${rules.maxRegressions} allowed`,
    });
  }
  if (rules.nonInferiorityMargin !== undefined) {
    checks.push({
      name: 'non_inferiority',
      passed: passRate.lower >= -rules.nonInferiorityMargin - EPSILON,
      detail: `pass-rate difference ≥ ${pp(passRate.lower)} at ${pct(passRate.confidence, 0)} confidence, non-inferiority margin ${pp(-rules.nonInferiorityMargin)}`,
    });
  }
  if (rules.minPassRate !== undefined) {
    checks.push({
      name: 'min_pass_rate',
      passed: compare.candidate.pass_rate >= rules.minPassRate - EPSILON,
      detail: `candidate pass rate ${pct(compare.candidate.pass_rate)}, at least ${pct(rules.minPassRate)} required`,
    });
  }
  if (rules.maxPassRateDrop !== undefined) {
    checks.push({
      name: 'max_pass_rate_drop',
      passed: passRate.delta >= -rules.maxPassRateDrop - EPSILON,
      detail: `pass rate changed by ${pp(passRate.delta)} over ${passRate.paired_cases} paired cases, a drop of at most ${pp(rules.maxPassRateDrop).replace(/^\+/, '')} allowed`,
    });
  }
  if (compare.unpaired_case_count > 0) warnings.push(`${compare.unpaired_case_count} case(s) are in only one of the runs and were not compared`);
  const failed = checks.filter((c) => !c.passed);
  return { verdict: failed.length === 0 ? 'pass' : 'regressed', checks, reasons: failed.map((c) => c.detail), warnings };
}
