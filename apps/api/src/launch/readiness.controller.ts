import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { ApiEnvelope, UuidParamPipe } from '@greenlight/http';
import { ReadinessService } from '@greenlight/launch';
import type { Actor } from '@greenlight/tenancy';
import { ReadinessView, UpsertReadinessDto } from './dto/readiness.dto';

@ApiTags('Guardrails')
@Controller('api/v1/agents/:agent_id/readiness')
export class ReadinessController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get()
  @Auth('viewer')
  @ApiOperation({
    summary: "The agent's launch readiness checklist",
    description: 'An agent without a checklist answers an empty one (id null, no item pending, decision ready).',
  })
  @ApiEnvelope(ReadinessView)
  get(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string) {
    return this.readiness.get(actor, agentId);
  }

  @Post()
  @HttpCode(200)
  @Auth('member')
  @ApiOperation({
    summary: "Create or replace the agent's readiness checklist",
    description:
      'The items given are the whole checklist (up to 100; keys unique, else VALIDATION_ERROR naming the repeated item). The pending count and the decision snapshot (ready when nothing is pending) are recomputed; a readiness_updated activity lists the status changes.',
  })
  @ApiEnvelope(ReadinessView)
  async upsert(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string, @Body() body: UpsertReadinessDto) {
    return (await this.readiness.upsert(actor, agentId, body.items)).readiness;
  }
}
