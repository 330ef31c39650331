/** What can hold an agent's launch back. */
export type LaunchBlockerKind =
  'critical_issue_patterns' | 'open_slo_violations' | 'readiness_pending' | 'calibration_gate' | 'golden_set_quality_gate' | 'latest_compare_regressed';

/** One reason the gate is blocked, with the evidence behind it. */
export interface LaunchBlocker {
  kind: LaunchBlockerKind;
  message: string;
  details: Record<string, unknown>;
}

/** The inputs the gate read, whether or not they block. */
export interface LaunchGateSignals {
  critical_open_patterns: number;
  open_slo_violations: number;
  readiness_pending: number;
  /** The agent's latest stored compare, or null when none was stored. */
  latest_compare: { id: string; verdict: string; regression_count: number; created_at: string } | null;
  /** The agent's latest completed run, or null. */
  latest_completed_run: { id: string; golden_set_id: string; judge_config_hash: string | null; completed_at: string | null } | null;
  calibration_gate: { required: boolean; status: 'pass' | 'blocked' | null; reasons: string[] };
  golden_set_quality_gate: { required: boolean; status: 'pass' | 'blocked' | null; golden_set_id: string | null };
  slo_policy: { id: string; version: number } | null;
}

/** Whether the agent may launch now, and why not. */
export interface LaunchGateView {
  agent_id: string;
  org_id: string;
  status: 'pass' | 'blocked';
  blockers: LaunchBlocker[];
  evaluated_at: string;
  signals: LaunchGateSignals;
}

/** How many items of a blocker's evidence are listed in its details (the count is always whole). */
export const BLOCKER_ITEM_CAP = 20;

/** Golden-set quality gate thresholds used when the SLO policy leaves them unset. */
export const GOLDEN_SET_DEFAULTS = { min_active_case_count: 1, min_verified_case_ratio: 0 } as const;
