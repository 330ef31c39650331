import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsNumber, IsString, Length, Matches, Max, Min } from 'class-validator';
import { CALIBRATION_FIELDS } from '@greenlight/calibration';
import type {
  SloPolicyView as SloPolicyModel,
  SloStatusView as SloStatusModel,
  SloThresholds,
  SloViolationView as SloViolationModel,
} from '@greenlight/launch';
import { NullableField } from '@greenlight/http';

const Rate = (description: string) =>
  applyDecorators(ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, maximum: 1, description }), NullableField(), IsNumber(), Min(0), Max(1));
const Count = (description: string, min: number, max: number) =>
  applyDecorators(
    ApiPropertyOptional({ type: 'integer', nullable: true, minimum: min, maximum: max, description }),
    NullableField(),
    IsInt(),
    Min(min),
    Max(max),
  );
const Flag = (description: string) => applyDecorators(ApiPropertyOptional({ type: Boolean, nullable: true, description }), NullableField(), IsBoolean());

/** The whole SLO policy: every field optional; a field left out or null is not checked. */
export class UpsertSloPolicyDto implements SloThresholds {
  @Rate('Least answer_correct_rate of a completed run') min_answer_correct_rate?: number | null;
  @Rate('Least source_correct_rate of a completed run') min_source_correct_rate?: number | null;
  @Rate('Least quality_pass_rate of a completed run') min_quality_pass_rate?: number | null;
  @Rate('Least pass_rate of a completed run') min_pass_rate?: number | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 0,
    maximum: 604800,
    description: 'Longest a run may take, start to terminal move (any terminal status)',
  })
  @NullableField()
  @IsNumber()
  @Min(0)
  @Max(604_800)
  max_run_duration_seconds?: number | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 0,
    maximum: 1000000,
    description: "Most a run's judge calls may cost (sum of its results' judge_cost_usd; any terminal status)",
  })
  @NullableField()
  @IsNumber()
  @Min(0)
  @Max(1_000_000)
  max_run_cost_usd?: number | null;

  @Count('Most regressed cases a stored compare of the agent may count', 0, 1_000_000) max_regression_count?: number | null;
  @Flag('A stored compare with verdict regressed (significant at its alpha) opens a violation') require_no_significant_regression?: boolean | null;

  @Flag("Runs of the agent refuse to execute while the calibration gate blocks (default for runs that don't say)") require_calibration_gate?: boolean | null;

  @ApiPropertyOptional({ type: String, nullable: true, enum: CALIBRATION_FIELDS, description: 'The agreement field the calibration gate measures' })
  @NullableField()
  @IsString()
  @IsIn(CALIBRATION_FIELDS)
  calibration_field?: string | null;

  @Rate('Least raw agreement of the latest calibration on calibration_field') min_calibration_agreement?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: -1, maximum: 1, description: 'Least kappa of the latest calibration on calibration_field' })
  @NullableField()
  @IsNumber()
  @Min(-1)
  @Max(1)
  min_calibration_kappa?: number | null;

  @Count('Oldest the latest calibration may be, in days', 1, 3650) max_calibration_age_days?: number | null;

  @Flag("Runs of the agent refuse to execute while their golden set's quality gate blocks (default for runs that don't say)")
  require_golden_set_quality_gate?: boolean | null;
  @Count('Least active cases the golden set must hold for its quality gate', 1, 1_000_000) min_active_case_count?: number | null;
  @Rate('Least share of verified cases for the golden-set quality gate') min_verified_case_ratio?: number | null;
}

export class ResolveSloViolationDto {
  @ApiProperty({ maxLength: 2000, example: 'Latency fixed by the new index; confirmed on run 42' })
  @IsString()
  @Length(1, 2000)
  @Matches(/\S/, { message: '$property must not be blank' })
  reason: string;
}

const N = { type: Number, nullable: true } as const;
const B = { type: Boolean, nullable: true } as const;
const S = { type: String, nullable: true } as const;

export class SloPolicyView implements SloPolicyModel {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ description: 'Starts at 1; every write bumps it' }) version: number;
  @ApiProperty(N) min_answer_correct_rate: number | null;
  @ApiProperty(N) min_source_correct_rate: number | null;
  @ApiProperty(N) min_quality_pass_rate: number | null;
  @ApiProperty(N) min_pass_rate: number | null;
  @ApiProperty(N) max_run_duration_seconds: number | null;
  @ApiProperty(N) max_run_cost_usd: number | null;
  @ApiProperty(N) max_regression_count: number | null;
  @ApiProperty(B) require_no_significant_regression: boolean | null;
  @ApiProperty(B) require_calibration_gate: boolean | null;
  @ApiProperty(S) calibration_field: string | null;
  @ApiProperty(N) min_calibration_agreement: number | null;
  @ApiProperty(N) min_calibration_kappa: number | null;
  @ApiProperty(N) max_calibration_age_days: number | null;
  @ApiProperty(B) require_golden_set_quality_gate: boolean | null;
  @ApiProperty(N) min_active_case_count: number | null;
  @ApiProperty(N) min_verified_case_ratio: number | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) updated_by_key_id: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

const METRICS = [
  'min_answer_correct_rate',
  'min_source_correct_rate',
  'min_quality_pass_rate',
  'min_pass_rate',
  'max_run_duration_seconds',
  'max_run_cost_usd',
  'max_regression_count',
  'require_no_significant_regression',
];

export class SloViolationView implements SloViolationModel {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ format: 'uuid' }) policy_id: string;
  @ApiProperty({ description: 'The policy version that was breached' }) policy_version: number;
  @ApiProperty({ enum: METRICS, description: 'The policy field breached' }) metric: SloViolationModel['metric'];
  @ApiProperty(N) observed_value: number | null;
  @ApiProperty(N) threshold_value: number | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) source_run_id: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) source_compare_id: string | null;
  @ApiProperty({ enum: ['open', 'resolved'] }) status: 'open' | 'resolved';
  @ApiProperty({ type: String, nullable: true, enum: ['manual', 'remediation'] }) resolution: 'manual' | 'remediation' | null;
  @ApiProperty(S) resolution_reason: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) resolved_by_key_id: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) resolved_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class SloCheckView {
  @ApiProperty({ enum: METRICS }) metric: SloViolationModel['metric'];
  @ApiProperty({
    enum: ['pass', 'fail', 'not_measured'],
    description: 'not_measured: nothing to measure (no evaluated case for a rate, no cost recorded, a rate of a run that did not complete)',
  })
  status: 'pass' | 'fail' | 'not_measured';
  @ApiProperty(N) observed_value: number | null;
  @ApiProperty(N) threshold_value: number | null;
}

export class SloLatestRunView {
  @ApiProperty({ format: 'uuid' }) run_id: string;
  @ApiProperty() status: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completed_at: string | null;
  @ApiProperty({ type: [SloCheckView] }) checks: SloCheckView[];
}

export class SloLatestCompareView {
  @ApiProperty({ format: 'uuid' }) compare_id: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty() regression_count: number;
  @ApiProperty() verdict: string;
  @ApiProperty({ type: [SloCheckView] }) checks: SloCheckView[];
}

export class SloStatusView implements SloStatusModel {
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ enum: ['no_policy', 'ok', 'violated'], description: 'violated while any violation is open' }) status: 'no_policy' | 'ok' | 'violated';
  @ApiProperty({ type: SloPolicyView, nullable: true }) policy: SloPolicyView | null;
  @ApiProperty() open_violation_count: number;
  @ApiProperty({ type: [SloViolationView], description: 'The newest open violations, at most 100' }) open_violations: SloViolationView[];
  @ApiProperty() open_violations_truncated: boolean;
  @ApiProperty({ type: SloLatestRunView, nullable: true, description: "The agent's latest terminal run held to the current policy (null without a policy)" })
  latest_run: SloLatestRunView | null;
  @ApiProperty({
    type: SloLatestCompareView,
    nullable: true,
    description: "The agent's latest stored compare held to the current policy (null without a policy)",
  })
  latest_compare: SloLatestCompareView | null;
}
