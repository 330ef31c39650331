import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CALIBRATION_FIELDS } from '@greenlight/calibration';
import type { CalibrationField } from '@greenlight/calibration';

// How well the judge agrees with the human labels of a calibration, and the thresholds the calibration
// gate holds it to. A field counts only on the cases where both the human and the judge gave it a value;
// a field nobody labelled is left out of `fields` and of `kappa`.

const FIELD_SHARE = 'Share of the labelled cases where the judge gave the same value as the human (0 to 1); absent when nobody labelled the field';

export class CalibrationFieldAgreementView {
  @ApiPropertyOptional({ description: `passed: ${FIELD_SHARE}` }) passed?: number;
  @ApiPropertyOptional({ description: `answer_correct: ${FIELD_SHARE}` }) answer_correct?: number;
  @ApiPropertyOptional({ description: `source_correct: ${FIELD_SHARE}` }) source_correct?: number;
  @ApiPropertyOptional({ description: `quality_score, both scores rounded onto the 1-5 scale: ${FIELD_SHARE}` }) quality_score?: number;
}

export class CalibrationAgreementView {
  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      'Share of all the human/judge value pairs compared (every field of every case) that agree exactly (0 to 1); null when no pair could be compared',
  })
  overall: number | null;
  @ApiProperty({ type: 'integer', description: 'Human/judge value pairs compared, over all fields' }) pairs: number;
  @ApiProperty({ type: () => CalibrationFieldAgreementView, description: 'The share of exact agreement per labelled field' })
  fields: CalibrationFieldAgreementView;
}

export class CalibrationConfusionMatrixView {
  @ApiProperty({ type: [String], description: "The labels in order: 'true' and 'false' for the pass/fail fields, '1' to '5' for quality_score" })
  labels: string[];
  @ApiProperty({
    type: 'array',
    items: { type: 'array', items: { type: 'integer' } },
    description: 'counts[i][j]: cases the human labelled labels[i] and the judge labels[j] (rows human, columns judge)',
  })
  counts: number[][];
}

export class CalibrationLabelCountsView {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'How often the humans gave each label' })
  human: Record<string, number>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'How often the judge gave each label on the same cases' })
  judge: Record<string, number>;
}

export class CalibrationFieldKappaView {
  @ApiProperty({ type: 'integer', description: 'Cases where both the human and the judge gave this field a value' }) n: number;
  @ApiProperty({ description: 'Observed agreement (0 to 1; for quality_score near misses earn partial credit)' }) observed_agreement: number;
  @ApiProperty({ description: 'Agreement expected by chance from how often each side gave each label (0 to 1)' }) expected_agreement: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      'How much better than chance the judge agrees with the humans: 1 perfect, 0 no better than chance, below 0 worse; null when undefined (every label the same on both sides)',
  })
  kappa: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Large-sample standard error of kappa; null with kappa' }) standard_error: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Lower bound of the confidence interval of kappa (never below −1); null with kappa' })
  lower: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Upper bound of the confidence interval of kappa (never above 1); null with kappa' })
  upper: number | null;
  @ApiProperty({ description: 'Confidence level of the interval (0.95)' }) confidence: number;
  @ApiProperty({
    enum: ['none', 'linear', 'quadratic'],
    description: "none: Cohen's kappa (the pass/fail fields); quadratic: weighted kappa on the 1-5 quality scale, where a near miss counts partly",
  })
  weights: 'none' | 'linear' | 'quadratic';
  @ApiProperty({ type: () => CalibrationConfusionMatrixView, description: 'Human labels against judge labels' }) matrix: CalibrationConfusionMatrixView;
  @ApiProperty({ type: () => CalibrationLabelCountsView, description: 'The row (human) and column (judge) totals of the matrix' })
  label_counts: CalibrationLabelCountsView;
}

export class CalibrationKappaView {
  @ApiPropertyOptional({ type: () => CalibrationFieldKappaView, description: 'Absent when nobody labelled the field' }) passed?: CalibrationFieldKappaView;
  @ApiPropertyOptional({ type: () => CalibrationFieldKappaView, description: 'Absent when nobody labelled the field' })
  answer_correct?: CalibrationFieldKappaView;
  @ApiPropertyOptional({ type: () => CalibrationFieldKappaView, description: 'Absent when nobody labelled the field' })
  source_correct?: CalibrationFieldKappaView;
  @ApiPropertyOptional({
    type: () => CalibrationFieldKappaView,
    description: 'Quadratic-weighted, both scores rounded onto the 1-5 scale; absent when nobody labelled it',
  })
  quality_score?: CalibrationFieldKappaView;
}

export class CalibrationGateThresholdsView {
  @ApiProperty({ type: 'integer', description: 'Oldest a calibration may be, in days' }) max_calibration_age_days: number;
  @ApiProperty({ description: 'Least share of exact agreement on the field' }) min_agreement: number;
  @ApiProperty({ description: "Least kappa on the field (Cohen's; quadratic-weighted for quality_score)" }) min_kappa: number;
  @ApiProperty({ enum: CALIBRATION_FIELDS, description: 'The labelled field the gate measures' }) field: CalibrationField;
}

export class CalibrationLabelView {
  @ApiProperty({ format: 'uuid', description: 'The labelled case' }) case_id: string;
  @ApiPropertyOptional({ type: Boolean, description: 'Absent when the label leaves the field out' }) passed?: boolean;
  @ApiPropertyOptional({ type: Boolean, description: 'Absent when the label leaves the field out' }) answer_correct?: boolean;
  @ApiPropertyOptional({ type: Boolean, description: 'Absent when the label leaves the field out' }) source_correct?: boolean;
  @ApiPropertyOptional({
    description: "As given (1-5 from labels; from reviews, the reviewed score on the profile's scale); rounded onto 1-5 when measured",
  })
  quality_score?: number;
}
