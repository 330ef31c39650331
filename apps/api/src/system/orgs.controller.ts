import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { OrgsService } from '@greenlight/accounts';
import { ApiEnvelope, ApiErrors, PageQuery, UuidParamPipe } from '@greenlight/http';
import type { Actor } from '@greenlight/tenancy';
import { CreateOrgDto, OrgView } from './dto/org.dto';

@ApiTags('System')
@Controller('api/v1/orgs')
export class OrgsController {
  constructor(private readonly orgs: OrgsService) {}

  @Post()
  @Auth('admin')
  @ApiOperation({ summary: 'Create an org (global admin keys only)' })
  @ApiBody({ type: CreateOrgDto, examples: { default: { value: { name: 'Acme Support' } } } })
  @ApiEnvelope(OrgView, { status: 201 })
  @ApiErrors({
    409: 'ORG_NAME_TAKEN: an org of that name exists already (names compare case-insensitively)',
  })
  create(@CurrentActor() actor: Actor, @Body() body: CreateOrgDto) {
    return this.orgs.create(actor, body);
  }

  @Get()
  @Auth('admin')
  @ApiOperation({ summary: 'List orgs (global admin keys only)' })
  @ApiEnvelope(OrgView, { paginated: true })
  list(@CurrentActor() actor: Actor, @Query() page: PageQuery) {
    return this.orgs.list(actor, page);
  }

  @Get(':org_id')
  @Auth('viewer')
  @ApiOperation({ summary: 'Get an org: your own, or any for global keys' })
  @ApiEnvelope(OrgView)
  get(@CurrentActor() actor: Actor, @Param('org_id', UuidParamPipe) orgId: string) {
    return this.orgs.get(actor, orgId);
  }
}
