import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsNumber, IsInt, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import type { RegistryKind } from '@greenlight/database';
import {
  PROMOTION_GATE_MODES,
  REGISTRY_KINDS,
  type PromotionGateMode,
  type PromotionGateReport,
  type PromotionResult,
  type RegistryEntryView as RegistryEntryModel,
  type RegistryResolution,
  type RegistryRunBrief,
  type RegistryUpsertResult,
} from '@greenlight/governance';
import { NullableField, OptionalField, PageQuery, QueryBoolean } from '@greenlight/http';

const REF_HELP = '`active` or `current` (the active entry of the kind), `latest` (the newest completed run of the agent) or an entry name';

export class RegistryEntryView implements RegistryEntryModel {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ enum: REGISTRY_KINDS }) kind: RegistryKind;
  @ApiProperty({ example: 'release-2026-11' }) name: string;
  @ApiProperty({ format: 'uuid' }) run_id: string;
  @ApiProperty({ description: 'At most one entry per agent and kind is active' }) is_active: boolean;
  @ApiProperty({ type: String, nullable: true }) notes: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The stored compare that let this run become the baseline' })
  promoted_from_compare_id: string | null;
  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
  @ApiProperty({ format: 'date-time', type: String }) updated_at: Date;
}

export class RegistryUpsertView implements RegistryUpsertResult {
  @ApiProperty({ type: RegistryEntryView }) entry: RegistryEntryView;
  @ApiProperty({ description: 'true when the name was new for this kind, false when an existing entry was updated' }) created: boolean;
  @ApiProperty({ type: RegistryEntryView, nullable: true, description: 'The previously active entry of this kind, deactivated by this call' })
  deactivated: RegistryEntryView | null;
}

export class RegistryRunBriefView implements RegistryRunBrief {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['pending', 'running', 'completed', 'failed', 'cancelled'] }) status: RegistryRunBrief['status'];
  @ApiProperty({ enum: ['standard', 'regression', 'smoke', 'calibration'] }) run_type: RegistryRunBrief['run_type'];
  @ApiProperty({ format: 'uuid' }) golden_set_id: string;
  @ApiProperty() total_cases: number;
  @ApiProperty() completed_cases: number;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) started_at: Date | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) completed_at: Date | null;
  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
}

export class RegistryResolutionView implements RegistryResolution {
  @ApiProperty({ enum: REGISTRY_KINDS }) kind: RegistryKind;
  @ApiProperty({ example: 'active' }) ref: string;
  @ApiProperty({ format: 'uuid' }) run_id: string;
  @ApiProperty({ type: RegistryEntryView, nullable: true, description: 'null for `latest`, which names a run, not an entry' }) entry: RegistryEntryView | null;
  @ApiProperty({ type: RegistryRunBriefView }) run: RegistryRunBriefView;
}

export class PromotionGateView implements PromotionGateReport {
  @ApiProperty({ enum: PROMOTION_GATE_MODES }) gate_mode: PromotionGateMode;
  @ApiProperty() window_minutes: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Significance mode only' }) non_inferiority_margin: number | null;
  @ApiProperty({ enum: ['clean_compare', 'no_active_baseline'], description: '`no_active_baseline`: the first promotion of an agent sets the baseline' })
  reason: 'clean_compare' | 'no_active_baseline';
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) compare_id: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) compare_created_at: Date | null;
  @ApiProperty({ type: Number, nullable: true }) regression_count: number | null;
  @ApiProperty({ type: String, nullable: true }) verdict: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Lower bound of the pass-rate delta interval of the compare' }) pass_rate_lower: number | null;
}

export class PromotionView implements PromotionResult {
  @ApiProperty({ type: RegistryEntryView, description: 'The new active baseline entry' }) entry: RegistryEntryView;
  @ApiProperty({ type: RegistryEntryView, nullable: true }) previous_baseline: RegistryEntryView | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) compare_id: string | null;
  @ApiProperty({ type: PromotionGateView }) gate: PromotionGateView;
}

export class UpsertRegistryEntryDto {
  @ApiProperty({ enum: REGISTRY_KINDS }) @IsIn(REGISTRY_KINDS) kind: RegistryKind;
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'release-2026-11', description: 'Not `active`, `current` or `latest`' })
  @IsString()
  @Length(1, 100)
  name: string;
  @ApiProperty({ format: 'uuid', description: 'A run of this agent' }) @IsUUID() run_id: string;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2000 }) @NullableField() @IsString() @Length(0, 2000) notes?: string | null;
  @ApiPropertyOptional({ description: 'true: the one active entry of its kind (the previous one is deactivated); false: inactive; omitted: unchanged' })
  @OptionalField()
  @IsBoolean()
  activate?: boolean;
}

export class ListRegistryQuery extends PageQuery {
  @ApiPropertyOptional({ enum: REGISTRY_KINDS }) @OptionalField() @IsIn(REGISTRY_KINDS) kind?: RegistryKind;
  @ApiPropertyOptional({ type: Boolean }) @OptionalField() @QueryBoolean() @IsBoolean() active?: boolean;
}

export class ResolveRegistryQuery {
  @ApiProperty({ enum: REGISTRY_KINDS }) @IsIn(REGISTRY_KINDS) kind: RegistryKind;
  @ApiProperty({ minLength: 1, maxLength: 100, description: REF_HELP, example: 'active' }) @IsString() @Length(1, 100) ref: string;
}

export class PromoteCandidateDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The run to promote (or give candidate_ref)' }) @OptionalField() @IsUUID() candidate_run_id?: string;
  @ApiPropertyOptional({ minLength: 1, maxLength: 100, description: `A candidate reference: ${REF_HELP}` })
  @OptionalField()
  @IsString()
  @Length(1, 100)
  candidate_ref?: string;
  @ApiPropertyOptional({ minLength: 1, maxLength: 100, description: 'Name of the baseline entry; default `promoted-<first 8 characters of the run id>`' })
  @OptionalField()
  @IsString()
  @Length(1, 100)
  name?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 10080, default: 60, description: 'How recent the clean compare must be' })
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(10080)
  clean_compare_window_minutes?: number;
  @ApiPropertyOptional({
    enum: PROMOTION_GATE_MODES,
    default: 'regression_count',
    description: '`regression_count`: no regressed case; `significance`: verdict not `regressed` and pass-rate lower bound ≥ −margin',
  })
  @OptionalField()
  @IsIn(PROMOTION_GATE_MODES)
  gate_mode?: PromotionGateMode;
  @ApiPropertyOptional({ minimum: 0, maximum: 1, default: 0.02, description: 'Significance mode: how much worse the pass rate may be' })
  @OptionalField()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  non_inferiority_margin?: number;
}
