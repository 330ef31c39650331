import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { AuditLogsService } from '@greenlight/platform';
import { ApiEnvelope } from '@greenlight/http';
import type { Actor } from '@greenlight/tenancy';
import { AuditLogView, ListAuditLogsQuery } from './dto/audit-log.dto';

@ApiTags('System')
@Controller('api/v1/system/audit-logs')
export class AuditLogsController {
  constructor(private readonly logs: AuditLogsService) {}

  @Get()
  @Auth('admin')
  @ApiOperation({ summary: 'Audit trail of mutating API calls, newest first' })
  @ApiEnvelope(AuditLogView, { paginated: true })
  list(@CurrentActor() actor: Actor, @Query() query: ListAuditLogsQuery) {
    const { limit, offset, ...filter } = query;
    return this.logs.list(actor, filter, { limit, offset });
  }
}
