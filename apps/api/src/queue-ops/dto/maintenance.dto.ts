import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsNumber, IsString, IsUUID, Matches, Max, Min } from 'class-validator';
import type {
  AlertDeliveryView as AlertDeliveryModel,
  MaintenanceMetricsView as MaintenanceMetricsModel,
  MaintenancePolicyView as MaintenancePolicyModel,
  MaintenanceRunView as MaintenanceRunModel,
  NotifyResult as NotifyModel,
  ReapStaleRunsResult as ReapStaleRunsModel,
  ScheduleSummaryView as ScheduleSummaryModel,
} from '@greenlight/operations';
import { PageQuery, OptionalField, QueryNumber } from '@greenlight/http';
import { PruneView, ReapView } from './queue-ops.dto';
import { StaleHeartbeatSecondsField } from './stale-run-alias';

const ORG_DOC = 'Global keys: required (the org to act on). Org keys always act on their own org; another org answers 404.';
const SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

export class MaintenanceOrgQuery {
  @ApiPropertyOptional({ format: 'uuid', description: ORG_DOC }) @OptionalField() @IsUUID() org_id?: string;
}

class WindowDaysQuery {
  @ApiPropertyOptional({ format: 'uuid', description: ORG_DOC }) @OptionalField() @IsUUID() org_id?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 365, default: 30 }) @OptionalField() @QueryNumber() @IsInt() @Min(1) @Max(365) window_days?: number;
}

export class MaintenanceMetricsQuery extends WindowDaysQuery {}

export class ScheduleSummaryQuery extends WindowDaysQuery {
  @ApiPropertyOptional({ example: 'nightly', description: 'One schedule; all schedules when omitted' })
  @OptionalField()
  @IsString()
  @Matches(SCHEDULE_NAME)
  schedule_name?: string;
}

/** Reap and prune parameters a call may override. */
class MaintenanceOverridesDto {
  @ApiPropertyOptional({ minimum: 10, maximum: 604800 }) @OptionalField() @IsInt() @Min(10) @Max(604800) stale_run_seconds?: number;
  @StaleHeartbeatSecondsField() stale_heartbeat_seconds?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 604800 }) @OptionalField() @IsInt() @Min(1) @Max(604800) max_runtime_seconds?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 3650 }) @OptionalField() @IsInt() @Min(0) @Max(3650) retention_days?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 1000 }) @OptionalField() @IsInt() @Min(1) @Max(1000) reap_limit?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 100000 }) @OptionalField() @IsInt() @Min(1) @Max(100000) prune_limit?: number;
}

export class UpsertMaintenancePolicyDto extends MaintenanceOverridesDto {
  @ApiPropertyOptional({ format: 'uuid', description: ORG_DOC }) @OptionalField() @IsUUID() org_id?: string;
  @ApiPropertyOptional({ description: "The worker's scheduled maintenance covers this org" }) @OptionalField() @IsBoolean() schedule_enabled?: boolean;
  @ApiPropertyOptional({ description: 'Schedule anomalies are alerted (notify)' }) @OptionalField() @IsBoolean() schedule_alert_enabled?: boolean;
  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'Alert when the dedupe hit rate is above this' })
  @OptionalField()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  schedule_alert_dedupe_hit_rate_threshold?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'Alert when the execution success rate is below this' })
  @OptionalField()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  schedule_alert_min_execution_success_rate?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 10080, description: 'The same anomaly is not alerted again within this many minutes' })
  @OptionalField()
  @IsInt()
  @Min(0)
  @Max(10080)
  schedule_alert_cooldown_minutes?: number;
}

export class RunMaintenanceDto extends MaintenanceOverridesDto {
  @ApiPropertyOptional({ format: 'uuid', description: ORG_DOC }) @OptionalField() @IsUUID() org_id?: string;
  @ApiPropertyOptional({ default: true, description: 'Report what would be reaped and pruned without changing anything' })
  @OptionalField()
  @IsBoolean()
  dry_run?: boolean;
}

export class ScheduleTriggerDto extends RunMaintenanceDto {
  @ApiProperty({ example: 'nightly', pattern: SCHEDULE_NAME.source }) @IsString() @Matches(SCHEDULE_NAME) schedule_name: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 10080, default: 60, description: 'Dedupe window: one completed run per window' })
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(10080)
  window_minutes?: number;

  @ApiPropertyOptional({ default: false, description: 'Run even if this window already has a completed run' }) @OptionalField() @IsBoolean() force?: boolean;
}

export class ReapStaleMaintenanceRunsDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Global keys: one org, or every org when omitted. Org keys: their own org.' })
  @OptionalField()
  @IsUUID()
  org_id?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 604800, default: 900, description: 'A maintenance run still running after this long is stale' })
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(604800)
  max_runtime_seconds?: number;

  @ApiPropertyOptional({ default: false }) @OptionalField() @IsBoolean() dry_run?: boolean;
}

export class NotifyScheduleDto {
  @ApiPropertyOptional({ format: 'uuid', description: ORG_DOC }) @OptionalField() @IsUUID() org_id?: string;
  @ApiPropertyOptional({ example: 'nightly' }) @OptionalField() @IsString() @Matches(SCHEDULE_NAME) schedule_name?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 365, default: 30 }) @OptionalField() @IsInt() @Min(1) @Max(365) window_days?: number;
  @ApiPropertyOptional({ default: false }) @OptionalField() @IsBoolean() dry_run?: boolean;
  @ApiPropertyOptional({ default: false, description: 'Send even without an anomaly, with alerts disabled, or within the cooldown' })
  @OptionalField()
  @IsBoolean()
  force_notify?: boolean;
}

export class ListMaintenanceRunsQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Global keys: one org, or every org when omitted' }) @OptionalField() @IsUUID() org_id?: string;
  @ApiPropertyOptional({ enum: ['running', 'completed', 'failed'] }) @OptionalField() @IsIn(['running', 'completed', 'failed']) status?:
    'running' | 'completed' | 'failed';
  @ApiPropertyOptional({ enum: ['api', 'schedule'] }) @OptionalField() @IsIn(['api', 'schedule']) trigger?: 'api' | 'schedule';
}

export class MaintenancePolicyView implements MaintenancePolicyModel {
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ enum: ['org', 'default'], description: "default: the org has saved no policy; these are the platform's" }) source: 'org' | 'default';
  @ApiProperty() stale_run_seconds: number;
  @ApiProperty() max_runtime_seconds: number;
  @ApiProperty() retention_days: number;
  @ApiProperty() reap_limit: number;
  @ApiProperty() prune_limit: number;
  @ApiProperty() schedule_enabled: boolean;
  @ApiProperty() schedule_alert_enabled: boolean;
  @ApiProperty() schedule_alert_dedupe_hit_rate_threshold: number;
  @ApiProperty() schedule_alert_min_execution_success_rate: number;
  @ApiProperty() schedule_alert_cooldown_minutes: number;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) updated_at: Date | null;
}

export class MaintenanceRunView implements MaintenanceRunModel {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ enum: ['running', 'completed', 'failed'] }) status: 'running' | 'completed' | 'failed';
  @ApiProperty() dry_run: boolean;
  @ApiProperty({ enum: ['api', 'schedule'] }) trigger: 'api' | 'schedule';
  @ApiProperty({ type: String, nullable: true }) schedule_name: string | null;
  @ApiProperty({ type: String, nullable: true }) dedupe_key: string | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) window_started_at: Date | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The effective policy the run used' }) policy: Record<string, unknown>;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'What reaping stale runs and jobs did; null when the run did not reap',
  })
  reap_summary: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'What pruning finished jobs did; null when the run did not prune' })
  prune_summary: Record<string, unknown> | null;
  @ApiProperty({ type: String, nullable: true }) error_message: string | null;
  @ApiProperty({ format: 'uuid', type: String, nullable: true }) requested_by_key_id: string | null;
  @ApiProperty({ format: 'date-time', type: String }) started_at: Date;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) completed_at: Date | null;
  @ApiProperty({ type: Number, nullable: true }) duration_ms: number | null;
  @ApiProperty({
    format: 'date-time',
    type: String,
    description:
      'Until when the process running it vouches for it (renewed while it runs); a running run past its lease is failed as orphaned by the next trigger',
  })
  lease_expires_at: Date;
}

export class MaintenanceRunResultView {
  @ApiProperty({ type: MaintenanceRunView }) run: MaintenanceRunView;
  @ApiProperty({ type: ReapView }) reap: ReapView;
  @ApiProperty({ type: PruneView }) prune: PruneView;
}

export class ScheduleTriggerView {
  @ApiProperty({ description: 'A maintenance run was executed by this call' }) executed: boolean;
  @ApiProperty({ description: 'This window already had a completed run; it is returned instead' }) deduped: boolean;
  @ApiProperty() schedule_name: string;
  @ApiProperty() window_minutes: number;
  @ApiProperty({ format: 'date-time', type: String }) window_started_at: Date;
  @ApiProperty() dedupe_key: string;
  @ApiProperty({ type: MaintenanceRunView }) run: MaintenanceRunView;
  @ApiProperty({ type: ReapView, nullable: true }) reap: ReapView | null;
  @ApiProperty({ type: PruneView, nullable: true }) prune: PruneView | null;
}

class StaleMaintenanceRunItem {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ format: 'date-time', type: String }) started_at: Date;
  @ApiProperty() age_seconds: number;
}

export class ReapStaleMaintenanceRunsView implements ReapStaleRunsModel {
  @ApiProperty({ format: 'uuid', type: String, nullable: true }) org_id: string | null;
  @ApiProperty() dry_run: boolean;
  @ApiProperty() max_runtime_seconds: number;
  @ApiProperty() selected: number;
  @ApiProperty() reaped: number;
  @ApiProperty({ type: [StaleMaintenanceRunItem] }) items: StaleMaintenanceRunItem[];
}

export class MaintenanceMetricsView implements MaintenanceMetricsModel {
  @ApiProperty({ format: 'uuid', type: String, nullable: true }) org_id: string | null;
  @ApiProperty() window_days: number;
  @ApiProperty() total: number;
  @ApiProperty() running: number;
  @ApiProperty() completed: number;
  @ApiProperty() failed: number;
  @ApiProperty() dry_run_count: number;
  @ApiProperty({ description: 'failed / (completed + failed); 0.0 when none finished' }) failure_rate: number;
  @ApiProperty({ type: Number, nullable: true }) avg_duration_ms: number | null;
  @ApiProperty({ type: Number, nullable: true }) p50_duration_ms: number | null;
  @ApiProperty({ type: Number, nullable: true }) p95_duration_ms: number | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) last_run_started_at: Date | null;
  @ApiProperty({ type: String, nullable: true }) last_run_status: string | null;
}

export class ScheduleSummaryView implements ScheduleSummaryModel {
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ type: String, nullable: true }) schedule_name: string | null;
  @ApiProperty() window_days: number;
  @ApiProperty() trigger_count: number;
  @ApiProperty() executed_count: number;
  @ApiProperty() deduped_count: number;
  @ApiProperty({ description: 'deduped / triggers; 0.0 without triggers' }) dedupe_hit_rate: number;
  @ApiProperty() successful_executions: number;
  @ApiProperty() failed_executions: number;
  @ApiProperty({ description: 'successful / finished executions; 1.0 when none finished' }) execution_success_rate: number;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) last_trigger_at: Date | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) last_executed_at: Date | null;
  @ApiProperty({ type: String, nullable: true }) last_execution_status: string | null;
}

class ScheduleAnomalyView {
  @ApiProperty({ enum: ['dedupe_hit_rate_high', 'execution_success_rate_low'] }) kind: 'dedupe_hit_rate_high' | 'execution_success_rate_low';
  @ApiProperty() value: number;
  @ApiProperty() threshold: number;
}

export class NotifyScheduleView implements NotifyModel {
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ type: String, nullable: true }) schedule_name: string | null;
  @ApiProperty({ enum: ['sent', 'failed', 'suppressed', 'skipped', 'dry_run'] }) outcome: 'sent' | 'failed' | 'suppressed' | 'skipped' | 'dry_run';
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty({ type: [ScheduleAnomalyView] }) anomalies: ScheduleAnomalyView[];
  @ApiProperty({ description: 'Identifies the set of anomalies; the cooldown applies per fingerprint' }) fingerprint: string;
  @ApiProperty() cooldown_minutes: number;
  @ApiProperty({ type: String, nullable: true, example: 'activity_feed' }) channel: string | null;
  @ApiProperty({ type: ScheduleSummaryView }) summary: ScheduleSummaryView;
}

export class AlertDeliveryView implements AlertDeliveryModel {
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ type: String, nullable: true }) schedule_name: string | null;
  @ApiProperty() window_days: number;
  @ApiProperty() total: number;
  @ApiProperty() sent: number;
  @ApiProperty() failed: number;
  @ApiProperty() suppressed: number;
  @ApiProperty() skipped: number;
  @ApiProperty() dry_run: number;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) last_sent_at: Date | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) last_failed_at: Date | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) last_suppressed_at: Date | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) last_notified_at: Date | null;
}
