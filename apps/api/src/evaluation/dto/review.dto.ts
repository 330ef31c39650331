import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsNumber, IsObject, IsString, Length, Max, Min, ValidateNested } from 'class-validator';
import { OptionalField, PageQuery, QueryBoolean, QueryNumber } from '@greenlight/http';
import { EvalResultView } from './eval-run.dto';

export class ReviewQueueQuery extends PageQuery {
  @ApiPropertyOptional({ type: Boolean, description: 'Only results that did not pass' }) @OptionalField() @QueryBoolean() @IsBoolean() failed?: boolean;
  @ApiPropertyOptional({ description: 'Only results with a quality score at or below this' })
  @OptionalField()
  @QueryNumber()
  @IsNumber()
  @Min(0)
  @Max(100)
  max_score?: number;
  @ApiPropertyOptional({ type: Boolean, description: 'Only results of cases whose trials disagree (some passed, some did not)' })
  @OptionalField()
  @QueryBoolean()
  @IsBoolean()
  flaky?: boolean;
  @ApiPropertyOptional({ type: Boolean, description: 'Only results whose judge failed' }) @OptionalField() @QueryBoolean() @IsBoolean() judge_error?: boolean;
  @ApiPropertyOptional({ type: Boolean, default: true, description: 'Only results nobody reviewed yet; false shows reviewed ones too' })
  @OptionalField()
  @QueryBoolean()
  @IsBoolean()
  unreviewed?: boolean;
}

export class ReviewOverrideDto {
  @ApiPropertyOptional() @OptionalField() @IsBoolean() answer_correct?: boolean;
  @ApiPropertyOptional() @OptionalField() @IsBoolean() source_correct?: boolean;
  @ApiPropertyOptional({ description: "Within the profile's quality scale" }) @OptionalField() @IsNumber() @Min(0) @Max(100) quality_score?: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'number' }, description: "Dimension scores within the profile's criteria scale" })
  @OptionalField()
  @IsObject()
  criteria_scores?: Record<string, number>;
}

export class ReviewResultDto {
  @ApiProperty({ enum: ['accept', 'override'], description: "accept keeps the judge's verdict; override replaces the scores it names" })
  @IsIn(['accept', 'override'])
  decision: 'accept' | 'override';
  @ApiPropertyOptional({ maxLength: 2000 }) @OptionalField() @IsString() @Length(1, 2000) reason?: string;
  @ApiPropertyOptional({ type: ReviewOverrideDto, description: 'Required to override: at least one field' })
  @OptionalField()
  @IsObject()
  @ValidateNested()
  @Type(() => ReviewOverrideDto)
  override?: ReviewOverrideDto;
}

class BooleanDeltaView {
  @ApiProperty({ nullable: true, type: Boolean }) judge: boolean | null;
  @ApiProperty({ nullable: true, type: Boolean }) reviewer: boolean | null;
  @ApiProperty() changed: boolean;
}

class ScoreDeltaView {
  @ApiProperty({ nullable: true, type: Number }) judge: number | null;
  @ApiProperty({ nullable: true, type: Number }) reviewer: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'reviewer − judge' }) delta: number | null;
}

class ReviewDeltasView {
  @ApiProperty({ type: BooleanDeltaView }) answer_correct: BooleanDeltaView;
  @ApiProperty({ type: BooleanDeltaView }) source_correct: BooleanDeltaView;
  @ApiProperty({ type: ScoreDeltaView }) quality_score: ScoreDeltaView;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Per dimension: judge, reviewer, delta' }) criteria_scores: Record<
    string,
    ScoreDeltaView
  >;
}

export class ReviewedResultView extends EvalResultView {
  @ApiProperty({ type: ReviewDeltasView, description: 'Reviewer against judge on every scored field (no change for an accepted result)' })
  deltas: ReviewDeltasView;
}
