import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, IsUUID, Length, Matches } from 'class-validator';
import type { MaintenanceEventView as MaintenanceEventModel } from '@greenlight/operations';
import { OptionalField, OrgIdFilter, PageQuery } from '@greenlight/http';

const ACTIONS = ['run_reaped', 'run_orphaned', 'schedule_triggered', 'anomaly_notified'] as const;
const OUTCOMES = ['run_failed', 'executed', 'deduped', 'sent', 'failed', 'suppressed', 'skipped', 'dry_run'] as const;
const SOURCES = ['api', 'worker'] as const;
const SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

/** Filters of the events of one maintenance run. */
export class ListRunEventsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ACTIONS }) @OptionalField() @IsIn(ACTIONS) action?: (typeof ACTIONS)[number];
  @ApiPropertyOptional({ enum: OUTCOMES }) @OptionalField() @IsIn(OUTCOMES) outcome?: string;
  @ApiPropertyOptional({ enum: SOURCES }) @OptionalField() @IsIn(SOURCES) source?: (typeof SOURCES)[number];
}

export class ListMaintenanceEventsQuery extends ListRunEventsQuery {
  @OrgIdFilter() org_id?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Only the events of this maintenance run' }) @OptionalField() @IsUUID() run_id?: string;
  @ApiPropertyOptional({ example: 'nightly' }) @OptionalField() @IsString() @Matches(SCHEDULE_NAME) schedule_name?: string;
  @ApiPropertyOptional({ description: 'Only the events caused by this request (its X-Request-Id)' })
  @OptionalField()
  @IsString()
  @Length(1, 128)
  request_id?: string;
}

export class MaintenanceEventView implements MaintenanceEventModel {
  @ApiProperty({ description: 'Sequence number (string: 64-bit)' }) id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ format: 'uuid', type: String, nullable: true, description: 'The maintenance run the event is about (none for anomaly alerts)' })
  run_id: string | null;

  @ApiProperty({
    enum: ACTIONS,
    description:
      'run_reaped: a run still running after the maximum runtime was failed; run_orphaned: a run whose lease expired was failed; ' +
      'schedule_triggered: a schedule trigger; anomaly_notified: a schedule anomaly alert',
  })
  action: (typeof ACTIONS)[number];

  @ApiProperty({
    enum: OUTCOMES,
    description:
      'run_failed (run_reaped, run_orphaned); executed or deduped (schedule_triggered); sent, failed, suppressed, skipped or dry_run (anomaly_notified)',
  })
  outcome: string;

  @ApiProperty({ type: String, nullable: true }) schedule_name: string | null;
  @ApiProperty({ enum: SOURCES, description: "api: an admin's request; worker: the worker's scheduled maintenance" }) source: (typeof SOURCES)[number];
  @ApiProperty({ format: 'uuid', type: String, nullable: true, description: 'The key of the request (null for the worker)' }) api_key_id: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The X-Request-Id of the request (null for the worker)' }) request_id: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'run_reaped: max_runtime_seconds, started_at; run_orphaned: lease_expired_at; schedule_triggered: dedupe_key, window_started_at, window_minutes; ' +
      'anomaly_notified: fingerprint, anomalies, reason, channel',
  })
  details: Record<string, unknown>;

  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
}
