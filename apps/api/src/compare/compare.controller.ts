import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { CompareService } from '@greenlight/governance';
import { ApiEnvelope, ApiErrors, UuidParamPipe } from '@greenlight/http';
import type { Actor } from '@greenlight/tenancy';
import { CompareListItemView, CompareQuery, CompareView, CreateCompareDto, ListComparesQuery } from './dto/compare.dto';

const MODES =
  'Direct mode names baseline_run_id and candidate_run_id; reference mode names agent_id, baseline_ref and candidate_ref. Mixing the modes or leaving out a field is a VALIDATION_ERROR. ' +
  'Both runs must be completed (EVAL_COMPARE_RUN_NOT_COMPLETED names the run and its status), of the same agent (EVAL_COMPARE_AGENT_MISMATCH) and of your org (404 otherwise).';

@ApiTags('Evaluation')
@Controller('api/v1/eval')
export class CompareController {
  constructor(private readonly compares: CompareService) {}

  @Post('compares')
  @Auth('member')
  @ApiOperation({
    summary: 'Compare a candidate run with a baseline run, case by case with paired statistics, and store the answer',
    description:
      `${MODES} The answer is stored and can be read back by id. Every stored compare records a regression_compare activity; ` +
      'with regressions it also sends regression_detected (webhook and activity) and, with auto_create_pattern, reuses or opens a regression pattern; ' +
      'a compare without regressions moves the open regression patterns against the same baseline to verifying (remediation_verified).',
  })
  @ApiBody({
    type: CreateCompareDto,
    examples: {
      direct: {
        summary: 'Two runs by id',
        value: { baseline_run_id: '6f1c2a4e-8a43-4f3e-9d5b-2f0a7d1c9b11', candidate_run_id: '0b7d3e52-1c9a-4b8e-a6f2-5d4c3b2a1f00' },
      },
      reference: {
        summary: 'The active baseline against the newest completed run',
        value: { agent_id: '3d2c1b0a-9f8e-4d7c-b6a5-443322110099', baseline_ref: 'active', candidate_ref: 'latest', auto_create_pattern: true },
      },
    },
  })
  @ApiEnvelope(CompareView, { status: 201 })
  @ApiErrors({
    409: 'EVAL_COMPARE_RUN_NOT_COMPLETED: the baseline or the candidate run has not completed (details.side, run_id, status)',
  })
  create(@CurrentActor() actor: Actor, @Body() body: CreateCompareDto) {
    return this.compares.create(actor, body);
  }

  @Get('compares')
  @Auth('viewer')
  @ApiOperation({ summary: 'List stored compares, newest first' })
  @ApiEnvelope(CompareListItemView, { paginated: true })
  list(@CurrentActor() actor: Actor, @Query() query: ListComparesQuery) {
    const { limit, offset, ...filter } = query;
    return this.compares.list(actor, filter, { limit, offset });
  }

  @Get('compares/:compare_id')
  @Auth('viewer')
  @ApiOperation({ summary: 'A stored compare, exactly as it was answered' })
  @ApiEnvelope(CompareView)
  get(@CurrentActor() actor: Actor, @Param('compare_id', UuidParamPipe) id: string) {
    return this.compares.get(actor, id);
  }

  @Get('compare')
  @Auth('viewer')
  @ApiOperation({
    summary: 'Compare two runs without storing anything (query form)',
    description: `${MODES} The same answer as POST /api/v1/eval/compares, computed fresh, with id null: no row, no event, no pattern. auto_create_pattern=true is refused (VALIDATION_ERROR naming the POST).`,
  })
  @ApiEnvelope(CompareView)
  @ApiErrors({
    409: 'EVAL_COMPARE_RUN_NOT_COMPLETED: the baseline or the candidate run has not completed (details.side, run_id, status)',
  })
  preview(@CurrentActor() actor: Actor, @Query() query: CompareQuery) {
    return this.compares.preview(actor, query);
  }
}
