import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { QueueName } from '@greenlight/contracts';
import type {
  CancelJobView as CancelJobModel,
  JobActionView as JobActionModel,
  PruneView as PruneModel,
  QueueCountsView as QueueCountsModel,
  QueueJobView as QueueJobModel,
  QueueStatsView as QueueStatsModel,
  ReapItem as ReapItemModel,
  ReapView as ReapModel,
  ReplayView as ReplayModel,
  RetryJobView as RetryJobModel,
} from '@greenlight/operations';
import { PageQuery, OptionalField } from '@greenlight/http';
import { StaleHeartbeatSecondsField } from './stale-run-alias';

const QUEUES = Object.values(QueueName);
const ORG_DOC = 'Global keys: the org to act on (none = every org). Org keys always act on their own org; another org answers 404.';

export class OrgScopeQuery {
  @ApiPropertyOptional({ format: 'uuid', description: ORG_DOC }) @OptionalField() @IsUUID() org_id?: string;
}

export class JobLookupQuery {
  @ApiPropertyOptional({ enum: QUEUES, description: 'The queue holding the job; all queues are searched when omitted' })
  @OptionalField()
  @IsIn(QUEUES)
  queue?: QueueName;
}

export class ListFailedJobsQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid', description: ORG_DOC }) @OptionalField() @IsUUID() org_id?: string;
  @ApiPropertyOptional({ enum: QUEUES }) @OptionalField() @IsIn(QUEUES) queue?: QueueName;
  @ApiPropertyOptional({ example: 'eval.run.chunk' }) @OptionalField() @IsString() @Length(1, 100) name?: string;
}

export class RetryJobDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 3600, default: 0, description: 'Requeue after this many seconds' })
  @OptionalField()
  @IsInt()
  @Min(0)
  @Max(3600)
  delay_seconds?: number;
}

export class ReplayFailedJobsDto {
  @ApiPropertyOptional({ format: 'uuid', description: ORG_DOC }) @OptionalField() @IsUUID() org_id?: string;
  @ApiPropertyOptional({ enum: QUEUES }) @OptionalField() @IsIn(QUEUES) queue?: QueueName;
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 10, description: 'Oldest failed jobs first' })
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 3600, default: 0 }) @OptionalField() @IsInt() @Min(0) @Max(3600) delay_seconds?: number;
  @ApiPropertyOptional({ default: false, description: 'Only report what would be replayed' }) @OptionalField() @IsBoolean() dry_run?: boolean;
}

export class ReapStaleJobsDto {
  @ApiPropertyOptional({ format: 'uuid', description: ORG_DOC }) @OptionalField() @IsUUID() org_id?: string;
  @ApiPropertyOptional({ minimum: 10, maximum: 604800, description: "No live job and no progress for this long (default: the org's policy)" })
  @OptionalField()
  @IsInt()
  @Min(10)
  @Max(604800)
  stale_run_seconds?: number;

  @StaleHeartbeatSecondsField() stale_heartbeat_seconds?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 604800, description: "Running longer than this is a timeout (default: the org's policy)" })
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(604800)
  max_runtime_seconds?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, description: "Most runs reaped (default: the org's policy)" })
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
  @ApiPropertyOptional({ default: false }) @OptionalField() @IsBoolean() dry_run?: boolean;
}

export class PruneJobsDto {
  @ApiPropertyOptional({ format: 'uuid', description: ORG_DOC }) @OptionalField() @IsUUID() org_id?: string;
  @ApiPropertyOptional({ minimum: 0, maximum: 3650, description: "Keep finished jobs this many days (default: the org's policy)" })
  @OptionalField()
  @IsInt()
  @Min(0)
  @Max(3650)
  retention_days?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100000, description: "Most jobs removed (default: the org's policy)" })
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(100000)
  limit?: number;
  @ApiPropertyOptional({ default: false }) @OptionalField() @IsBoolean() dry_run?: boolean;
}

class QueueStateCountsView {
  @ApiProperty() waiting: number;
  @ApiProperty() prioritized: number;
  @ApiProperty() delayed: number;
  @ApiProperty() active: number;
  @ApiProperty() waiting_children: number;
  @ApiProperty() completed: number;
  @ApiProperty() failed: number;
}

export class QueueCountsView implements QueueCountsModel {
  @ApiProperty({ example: 'eval-runs' }) name: string;
  @ApiProperty() paused: boolean;
  @ApiProperty({ type: Number, nullable: true }) global_concurrency: number | null;
  @ApiProperty({ type: Number, nullable: true }) workers: number | null;
  @ApiProperty({ type: QueueStateCountsView }) counts: QueueStateCountsView;
  @ApiProperty() scan_truncated: boolean;
}

class RunCountsView {
  @ApiProperty() pending: number;
  @ApiProperty({ description: 'Pending runs whose start job is enqueued' }) queued: number;
  @ApiProperty() running: number;
  @ApiProperty() completed: number;
  @ApiProperty() failed: number;
  @ApiProperty() cancelled: number;
}

export class QueueStatsView implements QueueStatsModel {
  @ApiProperty({ format: 'uuid', type: String, nullable: true }) org_id: string | null;
  @ApiProperty({ format: 'date-time' }) checked_at: string;
  @ApiProperty({ type: [QueueCountsView] }) queues: QueueCountsView[];
  @ApiProperty({ type: RunCountsView }) runs: RunCountsView;
  @ApiProperty({ description: 'Jobs waiting for a retry after a failed attempt' }) retry_backlog: number;
  @ApiProperty({ description: 'Jobs that failed after every attempt' }) dead_letter_count: number;
  @ApiProperty({ type: Number, nullable: true }) oldest_queued_age_seconds: number | null;
}

export class QueueJobView implements QueueJobModel {
  @ApiProperty({ example: 'chunk-7f0c2b7e-1111-4d2a-9c1e-2f6b7d1a0001-1-3' }) job_id: string;
  @ApiProperty({ enum: QUEUES }) queue: string;
  @ApiProperty({ example: 'eval.run.chunk' }) name: string;
  @ApiProperty({ example: 'failed' }) state: string;
  @ApiProperty({ format: 'uuid', type: String, nullable: true }) org_id: string | null;
  @ApiProperty({ format: 'uuid', type: String, nullable: true }) run_id: string | null;
  @ApiProperty({ type: Number, nullable: true, description: "The run's queue epoch the job belongs to" }) epoch: number | null;
  @ApiProperty({ type: Number, nullable: true }) chunk: number | null;
  @ApiProperty({ type: Number, nullable: true }) case_count: number | null;
  @ApiProperty() attempts_made: number;
  @ApiProperty() max_attempts: number;
  @ApiProperty({ type: String, nullable: true }) failed_reason: string | null;
  @ApiProperty({
    description: 'What the job last reported (chunks: cases executed): a number or an object, null before the first report',
    // null sits in the object branch: OpenAPI 3.0 has no null type, and `nullable` needs a `type` beside it
    anyOf: [{ type: 'number' }, { type: 'object', additionalProperties: true, nullable: true }],
  })
  progress: unknown;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) processed_at: string | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) finished_at: string | null;
}

export class JobActionView implements JobActionModel {
  @ApiProperty() job_id: string;
  @ApiProperty() queue: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'uuid', type: String, nullable: true }) run_id: string | null;
  @ApiProperty({ format: 'uuid', type: String, nullable: true }) org_id: string | null;
  @ApiProperty({
    example: 'run_resumed',
    description:
      'run_resumed (a live run, or one that failed on our side, got a new start job; its results are kept), run_restarted (a finished run ' +
      'was reopened afresh), job_retried, ' +
      'job_requeued (a delayed copy replaced the job), superseded (this request already requeued the run), would_replay (dry run), error: …',
  })
  action: string;
  @ApiProperty({ type: String, nullable: true }) new_job_id: string | null;
}

export class RetryJobView extends JobActionView implements RetryJobModel {
  @ApiProperty() previous_state: string;
}

class RunRefView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() status: string;
}

export class CancelJobView implements CancelJobModel {
  @ApiProperty({ type: QueueJobView }) job: QueueJobView;
  @ApiProperty() previous_state: string;
  @ApiProperty({ description: 'false when the job (or its run) had already finished' }) cancelled: boolean;
  @ApiProperty({ description: 'The job was taken off the queue; running chunks stop between cases instead' }) removed: boolean;
  @ApiProperty({ type: RunRefView, nullable: true }) run: RunRefView | null;
}

export class ReplayView implements ReplayModel {
  @ApiProperty() dry_run: boolean;
  @ApiProperty() limit: number;
  @ApiProperty() delay_seconds: number;
  @ApiProperty() selected: number;
  @ApiProperty() replayed: number;
  @ApiProperty({ type: [JobActionView] }) items: JobActionView[];
  @ApiProperty() scan_truncated: boolean;
}

export class ReapItemView implements ReapItemModel {
  @ApiProperty({ format: 'uuid' }) run_id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty() status_before: string;
  @ApiProperty({
    example: 'failed',
    description:
      'failed, requeued (a pending run), resumed / completed (a running run whose jobs were lost), or would_fail / would_requeue / would_resume on a dry run',
  })
  action: string;
  @ApiProperty({ enum: ['stale', 'timeout', 'lost_job'] }) reason: 'stale' | 'timeout' | 'lost_job';
  @ApiProperty() idle_seconds: number;
  @ApiProperty({ type: Number, nullable: true }) runtime_seconds: number | null;
}

export class ReapView implements ReapModel {
  @ApiProperty({ format: 'uuid', type: String, nullable: true }) org_id: string | null;
  @ApiProperty() stale_run_seconds: number;
  @ApiProperty() max_runtime_seconds: number;
  @ApiProperty() limit: number;
  @ApiProperty() dry_run: boolean;
  @ApiProperty() selected: number;
  @ApiProperty() reaped: number;
  @ApiProperty({ type: [ReapItemView] }) items: ReapItemView[];
}

class PruneByStateView {
  @ApiProperty() completed: number;
  @ApiProperty() failed: number;
}

export class PruneView implements PruneModel {
  @ApiProperty({ format: 'uuid', type: String, nullable: true }) org_id: string | null;
  @ApiProperty() retention_days: number;
  @ApiProperty() limit: number;
  @ApiProperty() dry_run: boolean;
  @ApiProperty({ format: 'date-time' }) cutoff: string;
  @ApiProperty() selected: number;
  @ApiProperty() pruned: number;
  @ApiProperty({ type: PruneByStateView }) by_state: PruneByStateView;
  @ApiProperty({ type: [String], description: 'The first 100 selected job ids' }) job_ids: string[];
  @ApiProperty() scan_truncated: boolean;
}

/** A page of the dead-letter set; `scan_truncated` tells that QUEUE_OPS_SCAN_LIMIT cut the scan. */
export class FailedJobsPageView {
  @ApiProperty({ type: [QueueJobView] }) items: QueueJobView[];
  @ApiProperty({ example: 50 }) limit: number;
  @ApiProperty({ example: 0 }) offset: number;
  @ApiProperty({ example: 1 }) total: number;
  @ApiProperty() scan_truncated: boolean;
}
