import type { MaintenanceRunStatus } from '@greenlight/database';
import type { PruneView, ReapView } from './queue-ops.types';

// What queue maintenance answers: policies, runs of the ledger, metrics, schedule reports and alerts.

export interface MaintenancePolicy {
  stale_run_seconds: number;
  max_runtime_seconds: number;
  retention_days: number;
  reap_limit: number;
  prune_limit: number;
  schedule_enabled: boolean;
  schedule_alert_enabled: boolean;
  schedule_alert_dedupe_hit_rate_threshold: number;
  schedule_alert_min_execution_success_rate: number;
  schedule_alert_cooldown_minutes: number;
}

export interface MaintenancePolicyView extends MaintenancePolicy {
  org_id: string;
  /** `org`: the org's saved policy; `default`: the platform defaults (nothing saved yet). */
  source: 'org' | 'default';
  updated_at: Date | null;
}

/** Per-call overrides of the reap and prune parameters. */
export type MaintenanceOverrides = Partial<
  Pick<MaintenancePolicy, 'stale_run_seconds' | 'max_runtime_seconds' | 'retention_days' | 'reap_limit' | 'prune_limit'>
>;

export interface MaintenanceRunView {
  id: string;
  org_id: string;
  status: MaintenanceRunStatus;
  dry_run: boolean;
  trigger: 'api' | 'schedule';
  schedule_name: string | null;
  dedupe_key: string | null;
  window_started_at: Date | null;
  policy: Record<string, unknown>;
  reap_summary: Record<string, unknown> | null;
  prune_summary: Record<string, unknown> | null;
  error_message: string | null;
  requested_by_key_id: string | null;
  started_at: Date;
  completed_at: Date | null;
  duration_ms: number | null;
  /** Until when the process running it vouches for it; a running run past its lease is orphaned. */
  lease_expires_at: Date;
}

export interface MaintenanceRunResult {
  run: MaintenanceRunView;
  reap: ReapView;
  prune: PruneView;
}

export interface MaintenanceMetricsView {
  org_id: string | null;
  window_days: number;
  total: number;
  running: number;
  completed: number;
  failed: number;
  dry_run_count: number;
  failure_rate: number;
  avg_duration_ms: number | null;
  p50_duration_ms: number | null;
  p95_duration_ms: number | null;
  last_run_started_at: Date | null;
  last_run_status: string | null;
}

export interface ReapStaleRunsResult {
  org_id: string | null;
  dry_run: boolean;
  max_runtime_seconds: number;
  selected: number;
  reaped: number;
  items: { id: string; org_id: string; started_at: Date; age_seconds: number }[];
}

export interface ScheduleSummaryView {
  org_id: string;
  schedule_name: string | null;
  window_days: number;
  trigger_count: number;
  executed_count: number;
  deduped_count: number;
  dedupe_hit_rate: number;
  successful_executions: number;
  failed_executions: number;
  execution_success_rate: number;
  last_trigger_at: Date | null;
  last_executed_at: Date | null;
  last_execution_status: string | null;
}

export interface ScheduleAnomaly {
  kind: 'dedupe_hit_rate_high' | 'execution_success_rate_low';
  value: number;
  threshold: number;
}

export type NotifyOutcome = 'sent' | 'failed' | 'suppressed' | 'skipped' | 'dry_run';

export interface NotifyResult {
  org_id: string;
  schedule_name: string | null;
  outcome: NotifyOutcome;
  /** Why nothing was sent (skipped, suppressed) or what went wrong (failed). */
  reason: string | null;
  anomalies: ScheduleAnomaly[];
  fingerprint: string;
  cooldown_minutes: number;
  channel: string | null;
  summary: ScheduleSummaryView;
}

export interface AlertDeliveryView {
  org_id: string;
  schedule_name: string | null;
  window_days: number;
  total: number;
  sent: number;
  failed: number;
  suppressed: number;
  skipped: number;
  dry_run: number;
  last_sent_at: Date | null;
  last_failed_at: Date | null;
  last_suppressed_at: Date | null;
  /** Last delivery attempt, sent or failed. */
  last_notified_at: Date | null;
}

/** Which schedule and window a report covers; `org_id` as the list filters take it. */
export interface ScheduleReportQuery {
  org_id?: string;
  schedule_name: string | null;
  window_days: number;
}
