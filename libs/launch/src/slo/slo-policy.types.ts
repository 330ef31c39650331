import type { SloPolicyEntity } from '@greenlight/database';

/**
 * The thresholds of an agent's SLO policy. Every field is optional: an unset field checks nothing.
 * Rate names follow a run's rates (answer_correct_rate, source_correct_rate, quality_pass_rate, pass_rate).
 */
export interface SloThresholds {
  /** Least share of correct answers of a completed run (0..1). */
  min_answer_correct_rate?: number | null;
  /** Least share of correct sources of a completed run (0..1). */
  min_source_correct_rate?: number | null;
  /** Least share of scored results at or above the pass threshold (0..1). */
  min_quality_pass_rate?: number | null;
  /** Least share of passed results (0..1). */
  min_pass_rate?: number | null;
  /** Longest a run may take from start to its terminal move, in seconds. */
  max_run_duration_seconds?: number | null;
  /** Most a run's judge calls may cost, in USD. */
  max_run_cost_usd?: number | null;
  /** Most regressed cases a stored compare of the agent may count. */
  max_regression_count?: number | null;
  /** A stored compare whose verdict is `regressed` (a significant regression) breaches the policy. */
  require_no_significant_regression?: boolean | null;
  /** Runs refuse to execute while the agent's judge calibration does not pass the calibration gate. */
  require_calibration_gate?: boolean | null;
  /** The agreement field the calibration gate measures: passed, answer_correct, source_correct, quality_score. */
  calibration_field?: string | null;
  min_calibration_agreement?: number | null;
  min_calibration_kappa?: number | null;
  max_calibration_age_days?: number | null;
  /** Runs refuse to execute while their golden set does not pass the quality gate. */
  require_golden_set_quality_gate?: boolean | null;
  min_active_case_count?: number | null;
  min_verified_case_ratio?: number | null;
}

/** Every policy field, in the order the API shows them. */
export const SLO_THRESHOLD_KEYS = [
  'min_answer_correct_rate',
  'min_source_correct_rate',
  'min_quality_pass_rate',
  'min_pass_rate',
  'max_run_duration_seconds',
  'max_run_cost_usd',
  'max_regression_count',
  'require_no_significant_regression',
  'require_calibration_gate',
  'calibration_field',
  'min_calibration_agreement',
  'min_calibration_kappa',
  'max_calibration_age_days',
  'require_golden_set_quality_gate',
  'min_active_case_count',
  'min_verified_case_ratio',
] as const satisfies readonly (keyof SloThresholds)[];

export type SloThresholdKey = (typeof SLO_THRESHOLD_KEYS)[number];

/** Every field present, null when the policy does not set it. */
export type SloThresholdsView = { [K in SloThresholdKey]: NonNullable<SloThresholds[K]> | null };

/** An agent's SLO policy as the API shows it: the thresholds flat, unset ones null. */
export interface SloPolicyView extends SloThresholdsView {
  id: string;
  org_id: string;
  agent_id: string;
  version: number;
  updated_by_key_id: string | null;
  created_at: string;
  updated_at: string;
}

/** The metrics a violation can name: the threshold field it breached. */
export type SloMetric =
  | 'min_answer_correct_rate'
  | 'min_source_correct_rate'
  | 'min_quality_pass_rate'
  | 'min_pass_rate'
  | 'max_run_duration_seconds'
  | 'max_run_cost_usd'
  | 'max_regression_count'
  | 'require_no_significant_regression';

/** Every threshold field present, unset ones null. */
export function thresholdsView(thresholds: SloThresholds | Record<string, unknown>): SloThresholdsView {
  const src = thresholds as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of SLO_THRESHOLD_KEYS) out[k] = src[k] ?? null;
  return out as SloThresholdsView;
}

export function toPolicyView(row: SloPolicyEntity): SloPolicyView {
  return {
    id: row.id,
    org_id: row.org_id,
    agent_id: row.agent_id,
    version: row.version,
    ...thresholdsView(row.thresholds),
    updated_by_key_id: row.updated_by_key_id,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
