import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsString, IsUUID, MaxLength, ValidateNested } from 'class-validator';
import { AGENT_TYPES, AgentType } from '@greenlight/contracts';
import { IsDisplayName, OptionalField, OrgIdFilter, PageQuery } from '@greenlight/http';
import { RunOptionsDto } from './eval-run.dto';
import { RUN_TYPES, RunTypeField, RunTypeName } from './run-type';

/** Eval templates: reusable run settings (golden set, options) for an agent type. */

export class CreateEvalTemplateDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Required for global keys' }) @OptionalField() @IsUUID() org_id?: string;
  @ApiProperty({ example: 'Nightly search regression', maxLength: 200 })
  @IsDisplayName()
  name: string;
  @ApiPropertyOptional({ maxLength: 5000 }) @OptionalField() @IsString() @MaxLength(5000) description?: string;
  @ApiProperty({ enum: AGENT_TYPES }) @IsIn(AGENT_TYPES) agent_type: AgentType;
  @RunTypeField({ default: 'standard' }) run_type?: RunTypeName;
  @ApiPropertyOptional({ format: 'uuid', description: 'Default golden set of runs made from the template' })
  @OptionalField()
  @IsUUID()
  golden_set_id?: string;
  @ApiPropertyOptional({ type: RunOptionsDto }) @OptionalField() @IsObject() @ValidateNested() @Type(() => RunOptionsDto) config?: RunOptionsDto;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @OptionalField() @IsObject() design_context?: Record<string, unknown>;
}

export class ListEvalTemplatesQuery extends PageQuery {
  @OrgIdFilter()
  org_id?: string;
  @ApiPropertyOptional({ enum: AGENT_TYPES }) @OptionalField() @IsIn(AGENT_TYPES) agent_type?: AgentType;
  @RunTypeField() run_type?: RunTypeName;
}

export class EvalTemplateView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty({ enum: AGENT_TYPES }) agent_type: string;
  @ApiProperty({ enum: RUN_TYPES }) run_type: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) golden_set_id: string | null;
  @ApiProperty({ type: RunOptionsDto }) config: RunOptionsDto;
  @ApiProperty({ type: 'object', additionalProperties: true }) design_context: Record<string, unknown>;
  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
  @ApiProperty({ format: 'date-time', type: String }) updated_at: Date;
}
