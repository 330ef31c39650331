import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
  IsObject,
} from 'class-validator';
import { AGENT_TYPES, AgentType } from '@greenlight/contracts';
import type { EvalProfileView as EvalProfileModel } from '@greenlight/accounts';
import { IsDisplayName, PageQuery, QueryBoolean, OptionalField } from '@greenlight/http';

export class ProfileDimensionView {
  @ApiProperty({ example: 'groundedness' }) key: string;
  @ApiProperty({ example: 'Groundedness' }) name: string;
  @ApiProperty() description: string;
  @ApiProperty({ example: 1 }) weight: number;
  @ApiProperty({ description: 'Criteria-mode results must score this dimension' }) required: boolean;
}

export class LikertScaleView {
  @ApiProperty({ enum: ['likert'] }) type: 'likert';
  @ApiProperty({ example: 1 }) min: number;
  @ApiProperty({ example: 5 }) max: number;
}

export class BinaryScaleView {
  @ApiProperty({ enum: ['binary'] }) type: 'binary';
  @ApiProperty({ type: [String], example: ['correct', 'incorrect'] }) values: string[];
}

export class ScoringScaleView {
  @ApiProperty({ type: LikertScaleView }) criteria: LikertScaleView;
  @ApiProperty({ type: LikertScaleView }) quality: LikertScaleView;
  @ApiProperty({ type: BinaryScaleView }) answer: BinaryScaleView;
  @ApiProperty({ type: BinaryScaleView }) source: BinaryScaleView;
  @ApiProperty({ example: 4, description: 'Quality score at or above which a result passes' }) pass_threshold: number;
}

export class EvalProfileView implements EvalProfileModel {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'null for built-ins' }) org_id: string | null;
  @ApiProperty({ example: 'Search/Retrieval' }) name: string;
  @ApiProperty({ enum: AGENT_TYPES }) agent_type: AgentType;
  @ApiProperty() description: string;
  @ApiProperty({ type: [ProfileDimensionView] }) dimensions: ProfileDimensionView[];
  @ApiProperty({ type: ScoringScaleView }) scoring_scale: ScoringScaleView;
  @ApiProperty({ type: [String], example: ['hallucination', 'wrong_source'] }) issue_tags: string[];
  @ApiProperty() is_builtin: boolean;
  @ApiProperty() version: number;
  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
  @ApiProperty({ format: 'date-time', type: String }) updated_at: Date;
}

export class ListEvalProfilesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: AGENT_TYPES })
  @OptionalField()
  @IsIn(AGENT_TYPES)
  agent_type?: AgentType;

  @ApiPropertyOptional({ type: Boolean })
  @OptionalField()
  @QueryBoolean()
  @IsBoolean()
  is_builtin?: boolean;
}

const KEY = /^[a-z][a-z0-9_]{0,63}$/;

export class ProfileDimensionDto {
  @ApiProperty({ example: 'tone', pattern: KEY.source }) @IsString() @Matches(KEY) key: string;
  @ApiProperty({ example: 'Tone' }) @IsString() @Length(1, 200) name: string;
  @ApiPropertyOptional({ maxLength: 1000 }) @OptionalField() @IsString() @Length(0, 1000) description?: string;
  @ApiPropertyOptional({ default: 1, minimum: 0.01, maximum: 100 })
  @OptionalField()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.01)
  @Max(100)
  weight?: number;
  @ApiPropertyOptional({ default: true, description: 'Criteria-mode results must score this dimension' }) @OptionalField() @IsBoolean() required?: boolean;
}

export class LikertRangeDto {
  @ApiProperty({ example: 1 }) @IsInt() @Min(0) @Max(100) min: number;
  @ApiProperty({ example: 5 }) @IsInt() @Min(1) @Max(100) max: number;
}

export class ScoringScaleDto {
  @ApiPropertyOptional({ type: LikertRangeDto, description: 'Range of each criteria dimension score (default 1..5)' })
  @OptionalField()
  @IsObject()
  @ValidateNested()
  @Type(() => LikertRangeDto)
  criteria?: LikertRangeDto;

  @ApiPropertyOptional({ type: LikertRangeDto, description: 'Range of the overall quality score (default 1..5)' })
  @OptionalField()
  @IsObject()
  @ValidateNested()
  @Type(() => LikertRangeDto)
  quality?: LikertRangeDto;

  @ApiPropertyOptional({ example: 4, description: 'Quality score at or above which a result passes (default 4)' })
  @OptionalField()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  pass_threshold?: number;
}

export class CreateEvalProfileDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Global keys: the org (required). Org keys: always their own org.' })
  @OptionalField()
  @IsUUID()
  org_id?: string;
  @ApiProperty({ example: 'Support answers (strict)' }) @IsDisplayName() name: string;
  @ApiProperty({ enum: AGENT_TYPES }) @IsIn(AGENT_TYPES) agent_type: AgentType;
  @ApiPropertyOptional({ maxLength: 2000 }) @OptionalField() @IsString() @Length(0, 2000) description?: string;
  @ApiProperty({ type: [ProfileDimensionDto], description: '1 to 50 dimensions with unique keys' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => ProfileDimensionDto)
  dimensions: ProfileDimensionDto[];

  @ApiProperty({ type: [String], example: ['hallucination', 'wrong_tone'], description: 'The issue tags results may carry (1 to 100, unique)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @Matches(KEY, { each: true })
  issue_tags: string[];

  @ApiPropertyOptional({ type: ScoringScaleDto }) @OptionalField() @IsObject() @ValidateNested() @Type(() => ScoringScaleDto) scoring_scale?: ScoringScaleDto;
}
