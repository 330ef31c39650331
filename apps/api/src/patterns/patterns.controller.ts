import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { describeTransitions, PatternsService } from '@greenlight/governance';
import { ApiEnvelope, ApiErrors, UuidParamPipe } from '@greenlight/http';
import type { Actor } from '@greenlight/tenancy';
import { CreatePatternDto, ListPatternsQuery, PatternHistoryView, PatternUpdateView, PatternView, UpdatePatternDto } from './dto/pattern.dto';

const LIFECYCLE = `Allowed status moves: ${describeTransitions()}. The same status changes nothing. Any other move answers 409 PATTERN_INVALID_TRANSITION with details {from, to, allowed}, unless a global admin key sends \`force: true\` (the history entry is then marked \`forced\`); \`force\` from any other key answers 403 FORBIDDEN. Each status move appends to \`status_history\`, emits the webhook and activity event \`pattern_status_changed\`, and the answer's \`notification\` says how many deliveries it queued. Moving to \`resolved\` stamps \`resolved_date\` (now unless given); leaving it clears it.`;

@ApiTags('Issue Patterns')
@Controller('api/v1/agents/:agent_id/patterns')
export class PatternsController {
  constructor(private readonly patterns: PatternsService) {}

  @Get()
  @Auth('viewer')
  @ApiOperation({ summary: "The agent's issue patterns, newest first", description: 'Filter by status, priority, primary tag or a tag.' })
  @ApiEnvelope(PatternView, { paginated: true })
  list(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string, @Query() query: ListPatternsQuery) {
    const { limit, offset, ...filter } = query;
    return this.patterns.list(actor, agentId, filter, { limit, offset });
  }

  @Post()
  @Auth('member')
  @ApiOperation({ summary: 'Open an issue pattern for the agent (in its org)', description: 'A new pattern is `open`, priority `medium` unless given.' })
  @ApiEnvelope(PatternView, { status: 201 })
  create(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string, @Body() body: CreatePatternDto) {
    return this.patterns.create(actor, agentId, body);
  }

  @Patch(':pattern_id')
  @Auth('member')
  @ApiOperation({ summary: 'Update a pattern and move it through its lifecycle', description: LIFECYCLE })
  @ApiEnvelope(PatternUpdateView)
  @ApiErrors({
    409: 'PATTERN_INVALID_TRANSITION: the lifecycle does not allow that status move (details.from, to, allowed)',
  })
  update(
    @CurrentActor() actor: Actor,
    @Param('agent_id', UuidParamPipe) agentId: string,
    @Param('pattern_id', UuidParamPipe) patternId: string,
    @Body() body: UpdatePatternDto,
  ) {
    return this.patterns.update(actor, agentId, patternId, body);
  }

  @Get(':pattern_id/history')
  @Auth('viewer')
  @ApiOperation({ summary: "A pattern's current state and its status history, oldest move first" })
  @ApiEnvelope(PatternHistoryView)
  history(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string, @Param('pattern_id', UuidParamPipe) patternId: string) {
    return this.patterns.history(actor, agentId, patternId);
  }
}
