import type { CalibrationRunEntity, CalibrationSource } from '@greenlight/database';

/** The judged fields a human can label; quality_score is the 1-5 ordinal scale, the others pass/fail. */
export const CALIBRATION_FIELDS = ['passed', 'answer_correct', 'source_correct', 'quality_score'] as const;
export type CalibrationField = (typeof CALIBRATION_FIELDS)[number];
export const QUALITY_SCALE = [1, 2, 3, 4, 5];
/** Most labels one calibration takes, and most kept with it for reading back. */
export const MAX_LABELS = 10_000;
export const MAX_STORED_LABELS = 1_000;

export interface HumanLabel {
  case_id: string;
  passed?: boolean;
  answer_correct?: boolean;
  source_correct?: boolean;
  quality_score?: number;
}

export interface CreateCalibrationInput {
  run_id: string;
  labels?: HumanLabel[];
  from_reviews?: boolean;
}

export interface CalibrationView {
  id: string;
  org_id: string;
  agent_id: string;
  run_id: string;
  judge_config_hash: string | null;
  source: CalibrationSource;
  case_count: number;
  agreement: Record<string, unknown>;
  kappa: Record<string, unknown>;
  labels: unknown[];
  created_by_key_id: string | null;
  created_at: string;
}

export type GateReason = 'no_calibration' | 'calibration_too_old' | 'agreement_below_minimum' | 'kappa_below_minimum' | 'judge_config_changed';

export interface GateThresholds {
  max_calibration_age_days: number;
  min_agreement: number;
  min_kappa: number;
  field: CalibrationField;
}

/** The thresholds of the calibration gate where neither the request, the run nor the SLO policy sets them. */
export const DEFAULT_GATE_THRESHOLDS: Readonly<GateThresholds> = Object.freeze({
  max_calibration_age_days: 30,
  min_agreement: 0.8,
  min_kappa: 0.6,
  field: 'passed',
});

/** Whether `field` names a calibration field. */
export function isCalibrationField(field: unknown): field is CalibrationField {
  return typeof field === 'string' && (CALIBRATION_FIELDS as readonly string[]).includes(field);
}

export interface GateStatusView {
  status: 'pass' | 'blocked';
  reasons: GateReason[];
  thresholds: GateThresholds;
  calibration: CalibrationView | null;
  current_judge_config_hash: string | null;
}

export function toCalibrationView(row: CalibrationRunEntity): CalibrationView {
  return {
    id: row.id,
    org_id: row.org_id,
    agent_id: row.agent_id,
    run_id: row.run_id,
    judge_config_hash: row.judge_config_hash,
    source: row.source,
    case_count: row.case_count,
    agreement: row.agreement,
    kappa: row.kappa,
    labels: row.labels,
    created_by_key_id: row.created_by_key_id,
    created_at: row.created_at.toISOString(),
  };
}
