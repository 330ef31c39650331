import type { SloViolationEntity } from '@greenlight/database';
import type { SloMetric } from './slo-policy.types';

/** A violation as the API shows it. */
export interface SloViolationView {
  id: string;
  org_id: string;
  agent_id: string;
  policy_id: string;
  policy_version: number;
  metric: SloMetric;
  observed_value: number | null;
  threshold_value: number | null;
  details: Record<string, unknown>;
  source_run_id: string | null;
  source_compare_id: string | null;
  status: 'open' | 'resolved';
  resolution: 'manual' | 'remediation' | null;
  resolution_reason: string | null;
  resolved_by_key_id: string | null;
  resolved_at: string | null;
  created_at: string;
}

export function toViolationView(row: SloViolationEntity): SloViolationView {
  return {
    id: row.id,
    org_id: row.org_id,
    agent_id: row.agent_id,
    policy_id: row.policy_id,
    policy_version: row.policy_version,
    metric: row.metric as SloMetric,
    observed_value: row.observed_value,
    threshold_value: row.threshold_value,
    details: row.details,
    source_run_id: row.source_run_id,
    source_compare_id: row.source_compare_id,
    status: row.status,
    resolution: row.resolution,
    resolution_reason: row.resolution_reason,
    resolved_by_key_id: row.resolved_by_key_id,
    resolved_at: row.resolved_at ? row.resolved_at.toISOString() : null,
    created_at: row.created_at.toISOString(),
  };
}

/** The open violations of an agent: the newest ones (at most the cap asked for) and how many are open in all. */
export interface OpenSloViolations {
  total: number;
  items: SloViolationView[];
}
