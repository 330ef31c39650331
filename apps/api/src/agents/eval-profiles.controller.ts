import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { EvalProfilesService } from '@greenlight/accounts';
import { ApiEnvelope, ApiErrors, UuidParamPipe } from '@greenlight/http';
import type { Actor } from '@greenlight/tenancy';
import { CreateEvalProfileDto, EvalProfileView, ListEvalProfilesQuery } from './dto/eval-profile.dto';

@ApiTags('Evaluation')
@Controller('api/v1/eval/profiles')
export class EvalProfilesController {
  constructor(private readonly profiles: EvalProfilesService) {}

  @Post()
  @Auth('admin')
  @ApiOperation({
    summary: "Create an org-defined eval profile (the org's policy: dimensions, issue-tag allow-list, scales)",
    description: 'Agents use it through eval_profile_id; results are checked against it (policy contract). Names are unique per org (EVAL_PROFILE_NAME_TAKEN).',
  })
  @ApiEnvelope(EvalProfileView, { status: 201 })
  @ApiErrors({
    409: 'EVAL_PROFILE_NAME_TAKEN: the org already has a profile of that name',
  })
  create(@CurrentActor() actor: Actor, @Body() body: CreateEvalProfileDto) {
    return this.profiles.create(actor, body);
  }

  @Get()
  @Auth('viewer')
  @ApiOperation({ summary: "List eval profiles: the built-ins and your org's own" })
  @ApiEnvelope(EvalProfileView, { paginated: true })
  list(@CurrentActor() actor: Actor, @Query() query: ListEvalProfilesQuery) {
    const { limit, offset, ...filter } = query;
    return this.profiles.list(actor, filter, { limit, offset });
  }

  @Get(':profile_id')
  @Auth('viewer')
  @ApiOperation({ summary: 'Get an eval profile' })
  @ApiEnvelope(EvalProfileView)
  get(@CurrentActor() actor: Actor, @Param('profile_id', UuidParamPipe) profileId: string) {
    return this.profiles.get(actor, profileId);
  }
}
