import type { CompareVerdict } from '@greenlight/database';
import type { RunSummary } from '@greenlight/evaluation';
import type { SloMetric, SloThresholds } from './slo-policy.types';

/** One threshold a run or a compare did not meet. */
export interface SloBreach {
  metric: SloMetric;
  observed_value: number | null;
  threshold_value: number | null;
  details: Record<string, unknown>;
}

/** The outcome of one threshold on one run or compare: met, missed, or not measurable (nothing to measure). */
export interface SloCheck {
  metric: SloMetric;
  status: 'pass' | 'fail' | 'not_measured';
  observed_value: number | null;
  threshold_value: number | null;
}

/** What a run tells the policy. Rates are only read from completed runs. */
export interface RunFacts {
  status: 'completed' | 'failed' | 'cancelled';
  summary: Pick<RunSummary, 'result_count' | 'answer' | 'source' | 'quality' | 'pass_rate'> | null;
  duration_seconds: number | null;
  cost_usd: number | null;
}

/** What a stored compare tells the policy. */
export interface CompareFacts {
  regression_count: number;
  verdict: CompareVerdict;
}

const RATE_CHECKS: { metric: SloMetric & keyof SloThresholds; read: (s: NonNullable<RunFacts['summary']>) => { rate: number; evaluated: number } }[] = [
  { metric: 'min_answer_correct_rate', read: (s) => ({ rate: s.answer.rate, evaluated: s.answer.evaluated }) },
  { metric: 'min_source_correct_rate', read: (s) => ({ rate: s.source.rate, evaluated: s.source.evaluated }) },
  { metric: 'min_quality_pass_rate', read: (s) => ({ rate: s.quality.pass_rate, evaluated: s.quality.evaluated }) },
  { metric: 'min_pass_rate', read: (s) => ({ rate: s.pass_rate, evaluated: s.result_count }) },
];

const set = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Every threshold of the policy that applies to runs, checked against one run. A completed run is
 * held to the rates, its duration and its cost; a failed or cancelled run only to its duration and
 * cost (its rates cover the cases it reached, which says nothing about the agent's quality). A rate
 * nothing was evaluated for (no case with an expected answer, say) is not measured, never a breach.
 */
export function checkRun(t: SloThresholds, run: RunFacts): SloCheck[] {
  const out: SloCheck[] = [];
  for (const c of RATE_CHECKS) {
    const threshold = t[c.metric];
    if (!set(threshold)) continue;
    const measured = run.status === 'completed' && run.summary ? c.read(run.summary) : null;
    if (!measured || measured.evaluated === 0) out.push({ metric: c.metric, status: 'not_measured', observed_value: null, threshold_value: threshold });
    else out.push({ metric: c.metric, status: measured.rate < threshold ? 'fail' : 'pass', observed_value: measured.rate, threshold_value: threshold });
  }
  out.push(...checkMax('max_run_duration_seconds', t.max_run_duration_seconds, run.duration_seconds));
  out.push(...checkMax('max_run_cost_usd', t.max_run_cost_usd, run.cost_usd));
  return out;
}

/** The compare thresholds of the policy against one stored compare. */
export function checkCompare(t: SloThresholds, compare: CompareFacts): SloCheck[] {
  const out = checkMax('max_regression_count', t.max_regression_count, compare.regression_count);
  if (t.require_no_significant_regression === true) {
    const regressed = compare.verdict === 'regressed';
    // observed 1 when the verdict is a significant regression; the threshold is 0 such verdicts
    out.push({ metric: 'require_no_significant_regression', status: regressed ? 'fail' : 'pass', observed_value: regressed ? 1 : 0, threshold_value: 0 });
  }
  return out;
}

function checkMax(metric: SloMetric, threshold: number | null | undefined, observed: number | null): SloCheck[] {
  if (!set(threshold)) return [];
  if (observed === null) return [{ metric, status: 'not_measured', observed_value: null, threshold_value: threshold }];
  return [{ metric, status: observed > threshold ? 'fail' : 'pass', observed_value: observed, threshold_value: threshold }];
}

/** The checks that failed, as breaches carrying what was measured. */
export function breachesOf(checks: SloCheck[], details: Record<string, unknown>): SloBreach[] {
  return checks
    .filter((c) => c.status === 'fail')
    .map((c) => ({ metric: c.metric, observed_value: c.observed_value, threshold_value: c.threshold_value, details }));
}
