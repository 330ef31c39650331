import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { EvalTemplatesService } from '@greenlight/evaluation';
import { ApiEnvelope, ApiErrors, UuidParamPipe } from '@greenlight/http';
import type { Actor } from '@greenlight/tenancy';
import { CreateEvalTemplateDto, EvalTemplateView, ListEvalTemplatesQuery } from './dto/eval-template.dto';

@ApiTags('Evaluation')
@Controller('api/v1/eval/templates')
export class EvalTemplatesController {
  constructor(private readonly templates: EvalTemplatesService) {}

  @Post()
  @Auth('member')
  @ApiOperation({ summary: 'Create an eval template: a reusable run configuration for one agent type' })
  @ApiBody({
    type: CreateEvalTemplateDto,
    examples: {
      nightly: {
        value: {
          name: 'Nightly search regression',
          agent_type: 'search_retrieval',
          run_type: 'regression',
          config: { judge_mode: 'deterministic', executor_mode: 'agent_http' },
        },
      },
    },
  })
  @ApiEnvelope(EvalTemplateView, { status: 201 })
  @ApiErrors({
    409: 'EVAL_TEMPLATE_NAME_TAKEN: the org already has a template of that name',
  })
  create(@CurrentActor() actor: Actor, @Body() body: CreateEvalTemplateDto) {
    return this.templates.create(actor, { ...body, config: body.config as Record<string, unknown> | undefined });
  }

  @Get()
  @Auth('viewer')
  @ApiOperation({ summary: 'List eval templates' })
  @ApiEnvelope(EvalTemplateView, { paginated: true })
  list(@CurrentActor() actor: Actor, @Query() query: ListEvalTemplatesQuery) {
    const { limit, offset, ...filter } = query;
    return this.templates.list(actor, filter, { limit, offset });
  }

  @Get(':template_id')
  @Auth('viewer')
  @ApiOperation({ summary: 'Get an eval template' })
  @ApiEnvelope(EvalTemplateView)
  get(@CurrentActor() actor: Actor, @Param('template_id', UuidParamPipe) id: string) {
    return this.templates.get(actor, id);
  }
}
