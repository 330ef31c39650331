import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsNumber, IsUUID, Max, Min, ValidateNested } from 'class-validator';
import { CALIBRATION_FIELDS, MAX_LABELS } from '@greenlight/calibration';
import type { CalibrationField, GateReason } from '@greenlight/calibration';
import { OptionalField, QueryNumber } from '@greenlight/http';
import { CalibrationAgreementView, CalibrationGateThresholdsView, CalibrationKappaView, CalibrationLabelView } from './calibration-agreement.dto';

export class HumanLabelDto {
  @ApiProperty({ format: 'uuid', description: 'A case the run judged' })
  @IsUUID()
  case_id: string;

  @ApiPropertyOptional({ type: Boolean })
  @OptionalField()
  @IsBoolean()
  passed?: boolean;

  @ApiPropertyOptional({ type: Boolean })
  @OptionalField()
  @IsBoolean()
  answer_correct?: boolean;

  @ApiPropertyOptional({ type: Boolean })
  @OptionalField()
  @IsBoolean()
  source_correct?: boolean;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 5, description: 'Quality on the 1-5 scale; the judge score is rounded to it' })
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(5)
  quality_score?: number;
}

export class CreateCalibrationDto {
  @ApiProperty({ format: 'uuid', description: 'A completed run whose judge results the labels are measured against' })
  @IsUUID()
  run_id: string;

  @ApiPropertyOptional({
    type: [HumanLabelDto],
    minItems: 1,
    maxItems: MAX_LABELS,
    description: 'Human labels of cases of the run. Each is paired with the judge result of the first trial of its case.',
  })
  @OptionalField()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_LABELS)
  @ValidateNested({ each: true })
  @Type(() => HumanLabelDto)
  labels?: HumanLabelDto[];

  @ApiPropertyOptional({
    type: Boolean,
    description:
      "Take the labels from the reviews of the run's first-trial results (accepted: the judge's values; overridden: the reviewer's) instead of `labels`; 400 when none is reviewed",
  })
  @OptionalField()
  @IsBoolean()
  from_reviews?: boolean;
}

export class GateStatusQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 3650, default: 30 })
  @OptionalField()
  @QueryNumber()
  @IsInt()
  @Min(1)
  @Max(3650)
  max_calibration_age_days?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, default: 0.8, description: 'Least raw agreement on the field' })
  @OptionalField()
  @QueryNumber()
  @IsNumber()
  @Min(0)
  @Max(1)
  min_agreement?: number;

  @ApiPropertyOptional({ minimum: -1, maximum: 1, default: 0.6, description: "Least kappa on the field (Cohen's; quadratic-weighted for quality_score)" })
  @OptionalField()
  @QueryNumber()
  @IsNumber()
  @Min(-1)
  @Max(1)
  min_kappa?: number;

  @ApiPropertyOptional({ enum: CALIBRATION_FIELDS, default: 'passed' })
  @OptionalField()
  @IsIn(CALIBRATION_FIELDS)
  field?: CalibrationField;
}

export class CalibrationView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ format: 'uuid' }) run_id: string;
  @ApiProperty({ type: String, nullable: true, description: 'Fingerprint of the judge configuration of the run' }) judge_config_hash: string | null;
  @ApiProperty({ enum: ['labels', 'reviews'] }) source: string;
  @ApiProperty({ type: 'integer' }) case_count: number;
  @ApiProperty({ type: () => CalibrationAgreementView, description: 'Raw agreement between the human labels and the judge, overall and per field' })
  agreement: CalibrationAgreementView;
  @ApiProperty({
    type: () => CalibrationKappaView,
    description:
      "Per labelled field: chance-corrected agreement (Cohen's kappa; quadratic-weighted for quality_score) with its interval, the confusion matrix and the label counts",
  })
  kappa: CalibrationKappaView;
  @ApiProperty({ type: () => [CalibrationLabelView], description: 'The labels as given (the first 1,000)' })
  labels: CalibrationLabelView[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) created_by_key_id: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class GateStatusView {
  @ApiProperty({ enum: ['pass', 'blocked'] }) status: 'pass' | 'blocked';
  @ApiProperty({ type: [String], enum: ['no_calibration', 'calibration_too_old', 'agreement_below_minimum', 'kappa_below_minimum', 'judge_config_changed'] })
  reasons: GateReason[];
  @ApiProperty({ type: () => CalibrationGateThresholdsView, description: 'The thresholds the gate applied' }) thresholds: CalibrationGateThresholdsView;
  @ApiProperty({ type: CalibrationView, nullable: true }) calibration: CalibrationView | null;
  @ApiProperty({ type: String, nullable: true, description: "Judge configuration fingerprint of the agent's most recent completed run" })
  current_judge_config_hash: string | null;
}
