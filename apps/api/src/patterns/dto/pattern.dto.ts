import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsISO8601, IsObject, IsString, IsUUID, Length, Matches, MaxLength } from 'class-validator';
import type { PatternPriority, PatternStatus, PatternStatusChange } from '@greenlight/database';
import { PATTERN_PRIORITIES, PATTERN_STATUSES } from '@greenlight/governance';
import type { PatternHistoryView as PatternHistoryModel, PatternView as PatternModel } from '@greenlight/governance';
import { NullableField, OptionalField, PageQuery } from '@greenlight/http';

const TAG: ApiPropertyOptions = { type: [String], maxItems: 50, example: ['retrieval', 'citations'], description: 'Up to 50 tags of 1-100 characters' };

/** Free text of a pattern (owner, root cause, fix): nullable to clear it. */
const NullableText = (max: number) => applyDecorators(NullableField(), IsString(), MaxLength(max));
const Tags = () => applyDecorators(OptionalField(), IsArray(), ArrayMaxSize(50), IsString({ each: true }), Length(1, 100, { each: true }));
const CaseIds = () => applyDecorators(OptionalField(), IsArray(), ArrayMaxSize(1000), IsUUID('all', { each: true }));

export class ListPatternsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: PATTERN_STATUSES })
  @OptionalField()
  @IsIn(PATTERN_STATUSES)
  status?: PatternStatus;

  @ApiPropertyOptional({ enum: PATTERN_PRIORITIES })
  @OptionalField()
  @IsIn(PATTERN_PRIORITIES)
  priority?: PatternPriority;

  @ApiPropertyOptional({ example: 'regression_compare', maxLength: 100 })
  @OptionalField()
  @IsString()
  @Length(1, 100)
  primary_tag?: string;

  @ApiPropertyOptional({ example: 'citations', maxLength: 100, description: 'Patterns carrying this tag' })
  @OptionalField()
  @IsString()
  @Length(1, 100)
  tag?: string;
}

/** The fields a pattern is created with and updated through alike. */
class PatternDetailsDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 200, example: 'search-team@example.com' })
  @NullableText(200)
  owner?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 10000 })
  @NullableText(10_000)
  root_cause?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 10000 })
  @NullableText(10_000)
  suggested_fix?: string | null;

  @ApiPropertyOptional(TAG)
  @Tags()
  tags?: string[];

  @ApiPropertyOptional({ type: [String], format: 'uuid', maxItems: 1000, description: 'Golden-set cases that show the problem' })
  @CaseIds()
  linked_case_ids?: string[];
}

export class CreatePatternDto extends PatternDetailsDto {
  @ApiProperty({ example: 'Answers cite retired policy documents', minLength: 1, maxLength: 300 })
  @IsString()
  @Length(1, 300)
  @Matches(/\S/, { message: '$property must not be blank' })
  title: string;

  @ApiPropertyOptional({ maxLength: 10000 })
  @OptionalField()
  @IsString()
  @MaxLength(10_000)
  description?: string;

  @ApiPropertyOptional({ enum: PATTERN_PRIORITIES, default: 'medium', description: 'Critical patterns block launches' })
  @OptionalField()
  @IsIn(PATTERN_PRIORITIES)
  priority?: PatternPriority;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100, example: 'regression_compare', description: 'What raised the pattern' })
  @NullableField()
  @IsString()
  @Length(1, 100)
  primary_tag?: string | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @OptionalField()
  @IsObject()
  metadata?: Record<string, unknown>;
}

export class UpdatePatternDto extends PatternDetailsDto {
  @ApiPropertyOptional({ enum: PATTERN_STATUSES, description: 'Moves through the transition matrix; the same status changes nothing' })
  @OptionalField()
  @IsIn(PATTERN_STATUSES)
  status?: PatternStatus;

  @ApiPropertyOptional({ enum: PATTERN_PRIORITIES })
  @OptionalField()
  @IsIn(PATTERN_PRIORITIES)
  priority?: PatternPriority;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true, description: 'How the fix was (or will be) verified' })
  @NullableField()
  @IsObject()
  verification?: Record<string, unknown> | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2000, description: 'Kept with the status history entry of this change' })
  @NullableText(2000)
  status_note?: string | null;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'For a pattern that is or becomes resolved; moving to resolved stamps now without it',
  })
  @NullableField()
  @IsISO8601({ strict: true })
  resolved_date?: string | null;

  @ApiPropertyOptional({ default: false, description: 'Override the transition matrix: global admin keys only (others get 403 FORBIDDEN)' })
  @OptionalField()
  @IsBoolean()
  force?: boolean;
}

export class PatternStatusChangeView implements PatternStatusChange {
  @ApiProperty({ enum: PATTERN_STATUSES, nullable: true, description: 'null for the opening entry' }) from: PatternStatus | null;
  @ApiProperty({ enum: PATTERN_STATUSES }) to: PatternStatus;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) by_key_id: string | null;
  @ApiProperty({ type: String, nullable: true }) note: string | null;
  @ApiProperty({ description: 'A global admin overrode the transition matrix' }) forced: boolean;
}

export class PatternView implements PatternModel {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty() title: string;
  @ApiProperty() description: string;
  @ApiProperty({ enum: PATTERN_STATUSES }) status: PatternStatus;
  @ApiProperty({ enum: PATTERN_PRIORITIES }) priority: PatternPriority;
  @ApiProperty({ type: String, nullable: true }) owner: string | null;
  @ApiProperty({ type: String, nullable: true }) root_cause: string | null;
  @ApiProperty({ type: String, nullable: true }) suggested_fix: string | null;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty({ type: String, nullable: true }) primary_tag: string | null;
  @ApiProperty({ type: [String], format: 'uuid' }) linked_case_ids: string[];
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) verification: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) resolved_date: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) created_at: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updated_at: Date;
}

export class PatternHistoryView extends PatternView implements PatternHistoryModel {
  @ApiProperty({ type: [PatternStatusChangeView], description: 'Every status move, oldest first' }) status_history: PatternStatusChangeView[];
}

class PatternNotificationView {
  @ApiProperty({ enum: ['pattern_status_changed'] }) event: 'pattern_status_changed';
  @ApiProperty({ description: 'Webhook deliveries recorded for the event' }) queued: number;
}

export class PatternUpdateView {
  @ApiProperty({ type: PatternView }) pattern: PatternView;
  @ApiProperty({ type: PatternNotificationView, nullable: true, description: 'null when the status did not change' })
  notification: PatternNotificationView | null;
}
