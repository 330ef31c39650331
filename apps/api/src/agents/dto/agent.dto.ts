import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, Max, Min, IsObject, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { AGENT_STATUSES, AGENT_TYPES, AgentStatus, AgentType } from '@greenlight/contracts';
import type { AgentView as AgentModel } from '@greenlight/accounts';
import { EvalRunListItemView } from '../../evaluation/dto/eval-run.dto';
import { IsDisplayName, IsHttpUrl, PageQuery, OptionalField, NullableField, OrgIdFilter } from '@greenlight/http';

/** An agent's shared limit on evaluation calls, the same on create and update. */
function MaxCallsPerSecondField() {
  return applyDecorators(
    ApiPropertyOptional({
      type: 'integer',
      nullable: true,
      minimum: 1,
      maximum: 10_000,
      example: 5,
      description: 'Calls per second evaluation runs may make to the agent, shared by every worker; null = unlimited',
    }),
    NullableField(),
    IsInt(),
    Min(1),
    Max(10_000),
  );
}

export class CreateAgentDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Required for global keys; org keys always create in their own org' })
  @OptionalField()
  @IsUUID()
  org_id?: string;

  @ApiProperty({ example: 'Support Search Assistant', minLength: 1, maxLength: 200 })
  @IsDisplayName()
  name: string;

  @ApiPropertyOptional({ maxLength: 5000 })
  @OptionalField()
  @IsString()
  @MaxLength(5000)
  description?: string;

  @ApiProperty({ enum: AGENT_TYPES, example: 'search_retrieval' })
  @IsIn(AGENT_TYPES)
  agent_type: AgentType;

  @ApiPropertyOptional({ enum: AGENT_STATUSES, default: 'draft' })
  @OptionalField()
  @IsIn(AGENT_STATUSES)
  status?: AgentStatus;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'https://agents.example.com/support-search',
    description: 'HTTP(S) endpoint evaluation runs POST `{ "input": ... }` to',
    maxLength: 2048,
  })
  @NullableField()
  @IsHttpUrl()
  @MaxLength(2048)
  api_endpoint?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'search-team@example.com', maxLength: 200 })
  @NullableField()
  @IsString()
  @MaxLength(200)
  owner?: string | null;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'A built-in profile or one of your org; default by agent_type' })
  @NullableField()
  @IsUUID()
  eval_profile_id?: string | null;

  @MaxCallsPerSecondField()
  max_calls_per_second?: number | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { team: 'support' } })
  @OptionalField()
  @IsObject()
  metadata?: Record<string, unknown>;
}

/** Every field is optional; absent ones stay as they are, null clears a nullable one. The type cannot change. */
export class UpdateAgentDto {
  @ApiPropertyOptional({ example: 'Support Search Assistant', minLength: 1, maxLength: 200 })
  @OptionalField()
  @IsDisplayName()
  name?: string;

  @ApiPropertyOptional({ maxLength: 5000 })
  @OptionalField()
  @IsString()
  @MaxLength(5000)
  description?: string;

  @ApiPropertyOptional({ enum: AGENT_STATUSES })
  @OptionalField()
  @IsIn(AGENT_STATUSES)
  status?: AgentStatus;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2048, description: 'HTTP(S) endpoint evaluation runs POST to; null clears it' })
  @NullableField()
  @IsHttpUrl()
  @MaxLength(2048)
  api_endpoint?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 200 })
  @NullableField()
  @IsString()
  @MaxLength(200)
  owner?: string | null;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true })
  @NullableField()
  @IsUUID()
  eval_profile_id?: string | null;

  @MaxCallsPerSecondField()
  max_calls_per_second?: number | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @OptionalField()
  @IsObject()
  metadata?: Record<string, unknown>;
}

export class ListAgentsQuery extends PageQuery {
  @OrgIdFilter()
  org_id?: string;

  @ApiPropertyOptional({ enum: AGENT_STATUSES })
  @OptionalField()
  @IsIn(AGENT_STATUSES)
  status?: AgentStatus;

  @ApiPropertyOptional({ enum: AGENT_TYPES })
  @OptionalField()
  @IsIn(AGENT_TYPES)
  agent_type?: AgentType;
}

export class AgentView implements AgentModel {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty({ enum: AGENT_TYPES }) agent_type: AgentType;
  @ApiProperty({ enum: AGENT_STATUSES }) status: AgentStatus;
  @ApiProperty({ nullable: true, type: String }) api_endpoint: string | null;
  @ApiProperty({ nullable: true, type: String }) owner: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) eval_profile_id: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Calls per second evaluation runs may make to the agent; null = unlimited' })
  max_calls_per_second: number | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata: Record<string, unknown>;
  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
  @ApiProperty({ format: 'date-time', type: String }) updated_at: Date;
}

export class AgentLatestView {
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty() agent_name: string;
  @ApiProperty({ type: EvalRunListItemView, nullable: true, description: 'Most recent eval run with its rates; null until the agent has runs' })
  latest_run: EvalRunListItemView | null;
}

export class InvokeContractDto {
  @ApiPropertyOptional({ maxLength: 20000, example: 'How do I reset my password?', description: 'Sent as {"input": ...}' })
  @OptionalField()
  @IsString()
  @MaxLength(20_000)
  sample_input?: string;

  @ApiPropertyOptional({ minimum: 100, maximum: 60000 })
  @OptionalField()
  @IsInt()
  @Min(100)
  @Max(60_000)
  timeout_ms?: number;

  @ApiPropertyOptional({ example: 'data.answer' })
  @OptionalField()
  @IsString()
  @Matches(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/)
  @MaxLength(200)
  response_output_path?: string;

  @ApiPropertyOptional({ example: 'data.citations' })
  @OptionalField()
  @IsString()
  @Matches(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/)
  @MaxLength(200)
  response_sources_path?: string;
}

class ExtractedResponseView {
  @ApiProperty({ nullable: true, type: String }) output_key: string | null;
  @ApiProperty({ nullable: true, type: String }) sources_key: string | null;
  @ApiProperty({ nullable: true, type: String }) output_preview: string | null;
  @ApiProperty({ type: [String] }) sources: string[];
}

export class InvokeContractReportView {
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty() endpoint: string;
  @ApiProperty({ description: 'The response has a usable, non-empty output' }) valid: boolean;
  @ApiProperty({ type: [String] }) problems: string[];
  @ApiProperty() status_code: number;
  @ApiProperty() latency_ms: number;
  @ApiProperty() content_type: string;
  @ApiProperty({ description: 'SHA-256 of the request body' }) request_hash: string;
  @ApiProperty({ description: 'SHA-256 of the response body' }) response_hash: string;
  @ApiProperty() response_preview: string;
  @ApiProperty({ type: ExtractedResponseView }) extracted: ExtractedResponseView;
}
