import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { EvalProfilesService } from '@greenlight/domain';
import { ApiEnvelope, UuidParamPipe } from '@greenlight/http';
import type { Actor } from '@greenlight/tenancy';
import { EvalProfileView, ListEvalProfilesQuery } from './dto/eval-profile.dto';

@ApiTags('Evaluation')
@Controller('api/v1/eval/profiles')
export class EvalProfilesController {
  constructor(private readonly profiles: EvalProfilesService) {}

  @Get()
  @Auth('viewer')
  @ApiOperation({ summary: 'List eval profiles: the built-ins and your org\'s own' })
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
