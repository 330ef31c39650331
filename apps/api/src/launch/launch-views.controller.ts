import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { ApiEnvelope, UuidParamPipe } from '@greenlight/http';
import { AgentActivityService, AgentHealthService, PortfolioHealthService, ScoreTrendService } from '@greenlight/launch';
import type { Actor } from '@greenlight/tenancy';
import {
  ActivityItemView,
  ActivityQuery,
  AgentHealthView,
  PortfolioHealthView,
  PortfolioQuery,
  ScoreTrendQueryDto,
  ScoreTrendView,
} from './dto/launch-views.dto';

@ApiTags('Guardrails')
@Controller('api/v1')
export class LaunchViewsController {
  constructor(
    private readonly activity: AgentActivityService,
    private readonly trend: ScoreTrendService,
    private readonly agentHealth: AgentHealthService,
    private readonly portfolioHealth: PortfolioHealthService,
  ) {}

  @Get('agents/:agent_id/activity')
  @Auth('viewer')
  @ApiOperation({
    summary: "The agent's activity feed, newest first",
    description:
      'Domain events recorded for the agent: agent_created, golden_set_uploaded, run_created, run_completed, run_failed, run_reaped, regression_compare, regression_detected, pattern_created, pattern_status_changed, remediation_verified, slo_violation, launch_decision_changed, ... The queue-level steps of its runs are listed too with include_run_events=true.',
  })
  @ApiEnvelope(ActivityItemView, { paginated: true })
  list(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string, @Query() q: ActivityQuery) {
    const { limit, offset, event_type, since, until, ...rest } = q;
    return this.activity.list(
      actor,
      agentId,
      { ...rest, event_types: event_type, since: since ? new Date(since) : undefined, until: until ? new Date(until) : undefined },
      { limit, offset },
    );
  }

  @Get('agents/:agent_id/score-trend')
  @Auth('viewer')
  @ApiOperation({
    summary: "The agent's rates per completed run over a window, oldest first",
    description:
      'The newest `limit` completed runs (completed within the last `days` days when given, of one run_type when given), each with the rates of its summary: answer_correct_rate, source_correct_rate, quality_pass_rate, pass_rate, error_rate and the counts.',
  })
  @ApiEnvelope(ScoreTrendView)
  scoreTrend(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string, @Query() q: ScoreTrendQueryDto) {
    return this.trend.trend(actor, agentId, { limit: q.limit, days: q.days, run_type: q.run_type });
  }

  @Get('agents/:agent_id/health')
  @Auth('viewer')
  @ApiOperation({
    summary: "The agent's health: launch gate, latest run, open patterns and violations, readiness, latest decision",
  })
  @ApiEnvelope(AgentHealthView)
  health(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string) {
    return this.agentHealth.health(actor, agentId);
  }

  @Get('orgs/:org_id/portfolio-health')
  @Auth('viewer')
  @ApiOperation({
    summary: "An org's launch posture: each agent's gate, latest decision and latest run, with roll-ups over every agent",
    description:
      'Org keys see their own org only (another org answers 404); global keys any org. Agents are paginated by name; the roll-ups cover the whole org.',
  })
  @ApiEnvelope(PortfolioHealthView)
  portfolio(@CurrentActor() actor: Actor, @Param('org_id', UuidParamPipe) orgId: string, @Query() q: PortfolioQuery) {
    return this.portfolioHealth.portfolio(actor, orgId, { posture: q.posture }, { limit: q.limit, offset: q.offset });
  }
}
