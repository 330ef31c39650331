import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { API_KEY_STATUSES, ApiKeyStatus, ROLES, Role } from '@greenlight/contracts';
import type { ApiKeyView as ApiKeyModel } from '@greenlight/accounts';
import { PageQuery, OptionalField, NullableField, OrgIdFilter } from '@greenlight/http';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'ci-pipeline', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ enum: ROLES, example: 'member' })
  @IsIn(ROLES)
  role: Role;

  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: "Org of the key. Omitted: the caller's org, or a global key when the caller is global. null: a global key (admin only).",
  })
  @NullableField()
  @IsUUID()
  org_id?: string | null;

  @ApiPropertyOptional({ format: 'date-time', description: 'Default: now + API_KEY_DEFAULT_TTL_DAYS (90)' })
  @OptionalField()
  @Type(() => Date)
  @IsDate()
  expires_at?: Date;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 0,
    maximum: 1_000_000,
    description:
      'Own per-minute limit; null uses the platform default, 0 means none. Org admins may only set 1 up to API_RATE_LIMIT_PER_MINUTE (anything looser: 403 API_KEY_RATE_LIMIT_FORBIDDEN)',
  })
  @NullableField()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  rate_limit_per_minute?: number | null;
}

export class ListApiKeysQuery extends PageQuery {
  @ApiPropertyOptional({ enum: API_KEY_STATUSES })
  @OptionalField()
  @IsIn(API_KEY_STATUSES)
  status?: ApiKeyStatus;

  @OrgIdFilter()
  org_id?: string;
}

export class ApiKeyView implements ApiKeyModel {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) org_id: string | null;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'gl_3f9a1c2e', description: 'Visible start of the key' }) key_prefix: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ enum: API_KEY_STATUSES }) status: ApiKeyStatus;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expires_at: Date | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_used_at: Date | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revoked_at: Date | null;
  @ApiProperty({ nullable: true, type: 'integer', description: 'Own per-minute limit; null: the platform default; 0: none' }) rate_limit_per_minute:
    number | null;
  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
}

/** The created key; unlike the service's result, an Idempotency-Key replay carries no plaintext. */
export class ApiKeyCreatedView extends ApiKeyView {
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'gl_3f9a1c2e_...',
    description: 'The plaintext key. Shown once; store it now. An Idempotency-Key replay answers null: the plaintext is never stored.',
  })
  api_key: string | null;
}
