import { ApiProperty } from '@nestjs/swagger';
import { IsDisplayName } from '@greenlight/http';
import type { OrgView as OrgModel } from '@greenlight/accounts';

export class CreateOrgDto {
  @ApiProperty({ example: 'Acme Support', minLength: 1, maxLength: 200 })
  @IsDisplayName()
  name: string;
}

export class OrgView implements OrgModel {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
  @ApiProperty({ format: 'date-time', type: String }) updated_at: Date;
}
