import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { AgentsService } from '@greenlight/accounts';
import { EvalRunsService, InvokeContractService } from '@greenlight/evaluation';
import { ApiEnvelope, ApiErrors, UuidParamPipe } from '@greenlight/http';
import type { Actor } from '@greenlight/tenancy';
import { AgentLatestView, AgentView, CreateAgentDto, InvokeContractDto, InvokeContractReportView, ListAgentsQuery, UpdateAgentDto } from './dto/agent.dto';

@ApiTags('Agents')
@Controller('api/v1/agents')
export class AgentsController {
  constructor(
    private readonly agents: AgentsService,
    private readonly runs: EvalRunsService,
    private readonly invokeContract: InvokeContractService,
  ) {}

  @Get()
  @Auth('viewer')
  @ApiOperation({ summary: 'List agents, newest first' })
  @ApiEnvelope(AgentView, { paginated: true })
  list(@CurrentActor() actor: Actor, @Query() query: ListAgentsQuery) {
    const { limit, offset, ...filter } = query;
    return this.agents.list(actor, filter, { limit, offset });
  }

  @Post()
  @Auth('member')
  @ApiOperation({ summary: 'Register an agent' })
  @ApiBody({
    type: CreateAgentDto,
    examples: {
      search_agent: {
        summary: 'A search agent reachable over HTTP',
        value: {
          name: 'Support Search Assistant',
          agent_type: 'search_retrieval',
          api_endpoint: 'https://agents.example.com/support-search',
          owner: 'search-team@example.com',
        },
      },
    },
  })
  @ApiEnvelope(AgentView, { status: 201 })
  @ApiErrors({
    409: 'AGENT_NAME_TAKEN: the org already has an agent of that name',
  })
  create(@CurrentActor() actor: Actor, @Body() body: CreateAgentDto) {
    return this.agents.create(actor, body);
  }

  @Get(':agent_id')
  @Auth('viewer')
  @ApiOperation({ summary: 'Get an agent' })
  @ApiEnvelope(AgentView)
  get(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string) {
    return this.agents.get(actor, agentId);
  }

  @Patch(':agent_id')
  @Auth('member')
  @ApiOperation({
    summary: 'Change an agent',
    description: 'Absent fields stay as they are; null clears a nullable field. A new max_calls_per_second reaches runs under way within AGENT_LIMIT_CACHE_MS.',
  })
  @ApiEnvelope(AgentView)
  @ApiErrors({
    409: 'AGENT_NAME_TAKEN: the org already has another agent of that name',
  })
  update(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string, @Body() body: UpdateAgentDto) {
    return this.agents.update(actor, agentId, body);
  }

  @Get(':agent_id/latest')
  @Auth('viewer')
  @ApiOperation({ summary: "The agent's latest eval run (null until it has one)" })
  @ApiEnvelope(AgentLatestView)
  latest(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string) {
    return this.runs.latestForAgent(actor, agentId);
  }

  @Post(':agent_id/invoke-contract/validate')
  @HttpCode(200)
  @Auth('member')
  @ApiOperation({
    summary: "Call the agent's endpoint once with the evaluation payload and report whether its answer is usable",
    description: 'AGENT_INVOKE_CONTRACT_CONFIG_ERROR when the agent has no usable endpoint; AGENT_INVOKE_CONTRACT_RUNTIME_ERROR when the call fails.',
  })
  @ApiEnvelope(InvokeContractReportView)
  @ApiErrors({
    502: 'AGENT_INVOKE_CONTRACT_RUNTIME_ERROR: the call to the agent failed (timeout, connection, error status), with details.failure',
  })
  validateInvokeContract(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string, @Body() body: InvokeContractDto) {
    return this.invokeContract.validate(actor, agentId, body);
  }
}
