import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { AGENT_TYPES, AgentType } from '@greenlight/contracts';
import type { EvalProfileView as EvalProfileModel } from '@greenlight/domain';
import { PageQuery, QueryBoolean } from '@greenlight/http';

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
  @IsOptional()
  @IsIn(AGENT_TYPES)
  agent_type?: AgentType;

  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  is_builtin?: boolean;
}
