import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import type { AuditLogView as AuditLogModel } from '@greenlight/platform';
import { PageQuery, OptionalField, QueryNumber, OrgIdFilter } from '@greenlight/http';

export class ListAuditLogsQuery extends PageQuery {
  @OrgIdFilter()
  org_id?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      "Only calls about this agent: calls that recorded an activity event of the agent (same request id and key), calls whose path names the agent (/agents/{agent_id}/...) or one of its runs (/eval/runs/{run_id}/...). An agent outside the key's org answers 404.",
  })
  @OptionalField()
  @IsUUID()
  agent_id?: string;

  @ApiPropertyOptional()
  @OptionalField()
  @IsString()
  @Length(1, 128)
  request_id?: string;

  @ApiPropertyOptional({ example: '/api/v1/agents' })
  @OptionalField()
  @IsString()
  @Length(1, 2048)
  path?: string;

  @ApiPropertyOptional({ enum: ['POST', 'PUT', 'PATCH', 'DELETE'] })
  @OptionalField()
  @IsIn(['POST', 'PUT', 'PATCH', 'DELETE'])
  method?: string;

  @ApiPropertyOptional({ minimum: 100, maximum: 599 })
  @OptionalField()
  @QueryNumber()
  @IsInt()
  @Min(100)
  @Max(599)
  status_code?: number;

  @ApiPropertyOptional({ example: 'VALIDATION_ERROR' })
  @OptionalField()
  @IsString()
  @Length(1, 64)
  error_code?: string;
}

export class AuditLogView implements AuditLogModel {
  @ApiProperty({ description: 'Sequence number (string: 64-bit)' }) id: string;
  @ApiProperty() request_id: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) api_key_id: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) org_id: string | null;
  @ApiProperty({ example: 'POST' }) method: string;
  @ApiProperty({ example: '/api/v1/agents' }) path: string;
  @ApiProperty({ example: 201 }) status_code: number;
  @ApiProperty({ example: 12 }) latency_ms: number;
  @ApiProperty({ nullable: true, type: String }) error_code: string | null;
  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
}
