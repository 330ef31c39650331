import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsString, Length, Matches, MaxLength, ValidateNested } from 'class-validator';
import {
  MAX_READINESS_ITEMS,
  MAX_READINESS_KEY_LENGTH,
  MAX_READINESS_NOTE_LENGTH,
  MAX_READINESS_OWNER_LENGTH,
  MAX_READINESS_TITLE_LENGTH,
  READINESS_ITEM_STATUSES,
} from '@greenlight/launch';
import type { ReadinessDecisionSnapshot, ReadinessView as ReadinessModel } from '@greenlight/launch';
import { NullableField } from '@greenlight/http';

export class ReadinessItemDto {
  @ApiProperty({ example: 'security_review', maxLength: MAX_READINESS_KEY_LENGTH, description: 'Unique within the checklist: letters, digits, _ - .' })
  @IsString()
  @Length(1, MAX_READINESS_KEY_LENGTH)
  @Matches(/^[A-Za-z0-9_.-]+$/, { message: '$property may only hold letters, digits, _ - and .' })
  key: string;

  @ApiProperty({ example: 'Security review signed off', maxLength: MAX_READINESS_TITLE_LENGTH })
  @IsString()
  @Length(1, MAX_READINESS_TITLE_LENGTH)
  @Matches(/\S/, { message: '$property must not be blank' })
  title: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'security-team', maxLength: MAX_READINESS_OWNER_LENGTH })
  @NullableField()
  @IsString()
  @MaxLength(MAX_READINESS_OWNER_LENGTH)
  owner?: string | null;

  @ApiProperty({ enum: READINESS_ITEM_STATUSES })
  @IsIn(READINESS_ITEM_STATUSES)
  status: 'pending' | 'done' | 'waived';

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_READINESS_NOTE_LENGTH })
  @NullableField()
  @IsString()
  @MaxLength(MAX_READINESS_NOTE_LENGTH)
  note?: string | null;
}

export class UpsertReadinessDto {
  @ApiProperty({
    type: [ReadinessItemDto],
    maxItems: MAX_READINESS_ITEMS,
    description: 'The whole checklist: it replaces the current one. Keys must be unique.',
  })
  @IsArray()
  @ArrayMaxSize(MAX_READINESS_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => ReadinessItemDto)
  items: ReadinessItemDto[];
}

export class ReadinessItemView {
  @ApiProperty() key: string;
  @ApiProperty() title: string;
  @ApiProperty({ type: String, nullable: true }) owner: string | null;
  @ApiProperty({ enum: READINESS_ITEM_STATUSES }) status: 'pending' | 'done' | 'waived';
  @ApiProperty({ type: String, nullable: true }) note: string | null;
}

export class ReadinessDecisionView implements ReadinessDecisionSnapshot {
  @ApiProperty({ enum: ['ready', 'not_ready'], description: 'ready when no item is pending' }) decision: 'ready' | 'not_ready';
  @ApiProperty() total_items: number;
  @ApiProperty() pending_count: number;
  @ApiProperty() done_count: number;
  @ApiProperty() waived_count: number;
  @ApiProperty({ type: [String] }) pending_keys: string[];
  @ApiProperty({ format: 'date-time' }) evaluated_at: string;
}

export class ReadinessView implements ReadinessModel {
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Null while the agent has no checklist' }) id: string | null;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ type: [ReadinessItemView] }) items: ReadinessItemView[];
  @ApiProperty() pending_count: number;
  @ApiProperty({ type: ReadinessDecisionView }) decision_snapshot: ReadinessDecisionView;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) updated_by_key_id: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) created_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updated_at: string | null;
}
