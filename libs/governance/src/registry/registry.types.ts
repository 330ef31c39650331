import type { RegistryKind, RunRegistryEntity, RunStatus, RunType } from '@greenlight/database';

/** Words a reference may use that are not entry names: they resolve by rule, never by name. */
export const REGISTRY_RESERVED_REFS = ['active', 'current', 'latest'] as const;
export const REGISTRY_KINDS: RegistryKind[] = ['baseline', 'candidate'];
export const PROMOTION_GATE_MODES = ['regression_count', 'significance'] as const;
export type PromotionGateMode = (typeof PROMOTION_GATE_MODES)[number];

/** A named reference to a run of an agent, as the API shows it. */
export interface RegistryEntryView {
  id: string;
  org_id: string;
  agent_id: string;
  kind: RegistryKind;
  name: string;
  run_id: string;
  is_active: boolean;
  notes: string | null;
  /** The stored compare that let this run become the baseline, when it got there by promotion. */
  promoted_from_compare_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The run a reference points at: enough to tell what it was without another call. */
export interface RegistryRunBrief {
  id: string;
  name: string;
  status: RunStatus;
  run_type: RunType;
  golden_set_id: string;
  total_cases: number;
  completed_cases: number;
  started_at: Date | null;
  completed_at: Date | null;
  created_at: Date;
}

export interface RegistryUpsertInput {
  kind: RegistryKind;
  name: string;
  run_id: string;
  notes?: string | null;
  /** true: the one active reference of its kind; false: not active; omitted: an existing entry keeps its state. */
  activate?: boolean;
}

export interface RegistryUpsertResult {
  entry: RegistryEntryView;
  created: boolean;
  /** The entry that was active for this kind before and was deactivated by this call, if any. */
  deactivated: RegistryEntryView | null;
}

export interface RegistryListFilter {
  kind?: RegistryKind;
  active?: boolean;
}

export interface RegistryResolution {
  kind: RegistryKind;
  ref: string;
  run_id: string;
  /** The entry the reference named; null for `latest`, which is a run, not an entry. */
  entry: RegistryEntryView | null;
  run: RegistryRunBrief;
}

export interface PromotionInput {
  candidate_run_id?: string;
  candidate_ref?: string;
  name?: string;
  clean_compare_window_minutes?: number;
  gate_mode?: PromotionGateMode;
  non_inferiority_margin?: number;
}

/** What the gate looked at and why it let the promotion through. */
export interface PromotionGateReport {
  gate_mode: PromotionGateMode;
  window_minutes: number;
  non_inferiority_margin: number | null;
  /** `clean_compare`, or `no_active_baseline` for the first promotion of an agent. */
  reason: 'clean_compare' | 'no_active_baseline';
  compare_id: string | null;
  compare_created_at: Date | null;
  regression_count: number | null;
  verdict: string | null;
  pass_rate_lower: number | null;
}

export interface PromotionResult {
  entry: RegistryEntryView;
  previous_baseline: RegistryEntryView | null;
  compare_id: string | null;
  gate: PromotionGateReport;
}

export function presentRegistryEntry(row: RunRegistryEntity): RegistryEntryView {
  return {
    id: row.id,
    org_id: row.org_id,
    agent_id: row.agent_id,
    kind: row.kind,
    name: row.name,
    run_id: row.run_id,
    is_active: row.is_active,
    notes: row.notes,
    promoted_from_compare_id: row.promoted_from_compare_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
