import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { RunPromotionService, RunRegistryService } from '@greenlight/governance';
import { ApiEnvelope, ErrorEnvelope, UuidParamPipe } from '@greenlight/http';
import type { Actor } from '@greenlight/tenancy';
import {
  ListRegistryQuery,
  PromoteCandidateDto,
  PromotionView,
  RegistryEntryView,
  RegistryResolutionView,
  RegistryUpsertView,
  ResolveRegistryQuery,
  UpsertRegistryEntryDto,
} from './dto/run-registry.dto';

@ApiTags('Evaluation')
@Controller('api/v1/agents/:agent_id/run-registry')
export class RunRegistryController {
  constructor(
    private readonly registry: RunRegistryService,
    private readonly promotion: RunPromotionService,
  ) {}

  @Post()
  @HttpCode(200)
  @Auth('member')
  @ApiOperation({
    summary: 'Create or repoint a named baseline or candidate reference of the agent',
    description:
      'The run must be of this agent (another agent: VALIDATION_ERROR naming run_id). `activate: true` makes the entry the one active reference of its kind. ' +
      'Activating a baseline here skips the promote gate: CI should use promote-candidate.',
  })
  @ApiEnvelope(RegistryUpsertView)
  upsert(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string, @Body() body: UpsertRegistryEntryDto) {
    return this.registry.upsert(actor, agentId, body);
  }

  @Get()
  @Auth('viewer')
  @ApiOperation({ summary: "The agent's registry entries, active ones first" })
  @ApiEnvelope(RegistryEntryView, { paginated: true })
  list(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string, @Query() query: ListRegistryQuery) {
    const { limit, offset, ...filter } = query;
    return this.registry.list(actor, agentId, filter, { limit, offset });
  }

  @Get('resolve')
  @Auth('viewer')
  @ApiOperation({
    summary: 'The run a reference points at',
    description:
      '`active`/`current`: the active entry of the kind; `latest`: the newest completed run of the agent (entry null); otherwise an entry name. Unknown: 404.',
  })
  @ApiEnvelope(RegistryResolutionView)
  resolve(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string, @Query() query: ResolveRegistryQuery) {
    return this.registry.resolve(actor, agentId, query.kind, query.ref);
  }

  @Post('promote-candidate')
  @HttpCode(200)
  @Auth('member')
  @ApiOperation({
    summary: 'Make a candidate run the active baseline, if a recent clean compare allows it',
    description:
      'Needs a stored compare of (active baseline, candidate) made within clean_compare_window_minutes that is clean under gate_mode. ' +
      'An agent without an active baseline gets its first baseline without a compare (gate reason `no_active_baseline`).',
  })
  @ApiEnvelope(PromotionView)
  @ApiConflictResponse({ description: 'RUN_REGISTRY_PROMOTION_BLOCKED with details.reason and details.compare_id', type: ErrorEnvelope })
  promote(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string, @Body() body: PromoteCandidateDto) {
    return this.promotion.promote(actor, agentId, body);
  }
}
