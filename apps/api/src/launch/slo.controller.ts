import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { ApiEnvelope, ApiErrors, UuidParamPipe } from '@greenlight/http';
import { SloPolicyService, SloStatusService } from '@greenlight/launch';
import type { Actor } from '@greenlight/tenancy';
import { ResolveSloViolationDto, SloPolicyView, SloStatusView, SloViolationView, UpsertSloPolicyDto } from './dto/slo.dto';

const CHECKS =
  'Every run of the agent that reaches a terminal status is checked: a completed run against the rate thresholds, its duration and its cost; a failed or cancelled run against its duration and cost only. ' +
  'Every stored compare (POST /api/v1/eval/compares) is checked against max_regression_count and require_no_significant_regression. ' +
  'Each breach opens one violation (per metric and source run or compare) and emits the slo_violation webhook and activity event. ' +
  'A stored compare with no regressed case resolves the open max_regression_count and require_no_significant_regression violations (resolution remediation). ' +
  'The gate fields are the defaults of every run of the agent; a run that sets a gate field itself overrides it.';

@ApiTags('Guardrails')
@Controller('api/v1/agents/:agent_id')
export class SloController {
  constructor(
    private readonly policies: SloPolicyService,
    private readonly status: SloStatusService,
  ) {}

  @Get('slo-policy')
  @Auth('viewer')
  @ApiOperation({ summary: "The agent's SLO policy (404 while it has none)" })
  @ApiEnvelope(SloPolicyView)
  getPolicy(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string) {
    return this.policies.get(actor, agentId);
  }

  @Post('slo-policy')
  @HttpCode(200)
  @Auth('member')
  @ApiOperation({
    summary: "Create or replace the agent's SLO policy",
    description: `The body is the whole policy: fields left out or null are not checked. Each write bumps version. ${CHECKS}`,
  })
  @ApiEnvelope(SloPolicyView)
  async upsertPolicy(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string, @Body() body: UpsertSloPolicyDto) {
    return (await this.policies.upsert(actor, agentId, body)).policy;
  }

  @Get('slo-status')
  @Auth('viewer')
  @ApiOperation({
    summary: 'Where the agent stands against its SLO policy',
    description:
      'The policy, the open violations (newest 100, with the total), and the latest terminal run and latest stored compare held to the current policy, metric by metric.',
  })
  @ApiEnvelope(SloStatusView)
  getStatus(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string) {
    return this.status.status(actor, agentId);
  }

  @Patch('slo-violations/:violation_id/resolve')
  @Auth('member')
  @ApiOperation({
    summary: 'Resolve an open SLO violation by hand, with a reason',
    description: 'A violation that is already resolved answers 409 SLO_VIOLATION_NOT_OPEN.',
  })
  @ApiEnvelope(SloViolationView)
  @ApiErrors({
    409: 'SLO_VIOLATION_NOT_OPEN: the violation is resolved already',
  })
  resolve(
    @CurrentActor() actor: Actor,
    @Param('agent_id', UuidParamPipe) agentId: string,
    @Param('violation_id', UuidParamPipe) violationId: string,
    @Body() body: ResolveSloViolationDto,
  ) {
    return this.policies.resolveViolation(actor, agentId, violationId, body.reason);
  }
}
