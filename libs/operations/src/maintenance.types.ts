import type { MaintenanceRunStatus } from '@greenlight/database';
import type { PruneView, ReapView } from './queue-ops.service';

// Types shared by the maintenance service and its runner, kept apart so the runner need not import the service back.

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
