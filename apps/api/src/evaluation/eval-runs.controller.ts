import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { EvalRunsService, RunCreationService, RunQueueService, SyncRunExecutor } from '@greenlight/evaluation';
import { ApiEnvelope, ApiErrors, PageQuery, UuidParamPipe } from '@greenlight/http';
import type { Actor } from '@greenlight/tenancy';
import {
  CancelRunView,
  CreateEvalRunDto,
  EvalRunEventView,
  StartRunView,
  SummaryQuery,
  EvalResultView,
  EvalRunArtifactView,
  EvalRunDetailView,
  EvalRunExecuteView,
  EvalRunListItemView,
  EvalRunSummaryView,
  EvalRunView,
  GetEvalRunQuery,
  ListArtifactsQuery,
  ListEvalRunsQuery,
  ListResultsQuery,
} from './dto/eval-run.dto';
import { RUN_TYPE_MAPPING_DOC } from './dto/run-type';

@ApiTags('Evaluation')
@Controller('api/v1/eval/runs')
export class EvalRunsController {
  constructor(
    private readonly runs: EvalRunsService,
    private readonly creation: RunCreationService,
    private readonly sync: SyncRunExecutor,
    private readonly queue: RunQueueService,
  ) {}

  @Post(':run_id/start')
  @HttpCode(202)
  @Auth('member')
  @ApiOperation({
    summary: 'Enqueue the run for the worker (idempotent)',
    description:
      'A run already queued or running answers enqueued: false. A completed, failed or cancelled run is reopened to pending ' +
      '(its previous results are cleared) and enqueued again; a run that failed on our side (EVAL_RUN_STALE, EVAL_RUN_TIMEOUT, ' +
      'EVAL_RUN_INFRASTRUCTURE_ERROR) is resumed instead: its results are kept and only the cases without one are executed. ' +
      'Gates that block execute also block start.',
  })
  @ApiEnvelope(StartRunView, { status: 202 })
  @ApiErrors({
    409: 'GOLDEN_SET_QUALITY_GATE_BLOCKED: the golden set quality gate the run asks for blocks it; CALIBRATION_GATE_BLOCKED: the calibration gate the run asks for blocks it (details.reasons); EVAL_RUN_STATUS_TRANSITION_INVALID: the run changed status while it was being reopened',
  })
  start(@CurrentActor() actor: Actor, @Param('run_id', UuidParamPipe) runId: string) {
    return this.queue.enqueueStart(actor, runId);
  }

  @Post(':run_id/cancel')
  @HttpCode(200)
  @Auth('member')
  @ApiOperation({ summary: 'Cancel a pending or running run; workers stop between cases' })
  @ApiEnvelope(CancelRunView)
  cancel(@CurrentActor() actor: Actor, @Param('run_id', UuidParamPipe) runId: string) {
    return this.queue.cancel(actor, runId);
  }

  @Get(':run_id/events')
  @Auth('viewer')
  @ApiOperation({
    summary: "The run's lifecycle events, oldest first",
    description:
      'Every move of the run leaves one, whoever made it (the API, the worker, a synchronous execute, recovery or the reaper): ' +
      'run_queued, run_requeued, run_resumed, run_reopened, run_started (details.execution: sync or queue), run_fanned_out, ' +
      'run_queue_deduplicated, run_completed, run_failed, run_cancelled, run_reaped (a time rule failed it: stale or timeout; ' +
      'or the reaper found its jobs lost).',
  })
  @ApiEnvelope(EvalRunEventView, { paginated: true })
  events(@CurrentActor() actor: Actor, @Param('run_id', UuidParamPipe) runId: string, @Query() page: PageQuery) {
    return this.runs.events(actor, runId, page);
  }

  @Post()
  @HttpCode(202)
  @Auth('member')
  @ApiOperation({
    summary: 'Create an eval run (pending); its configuration is frozen now',
    description:
      'Execute it with POST /eval/runs/{run_id}/execute. From a template when template_id is given; fields here override it. ' +
      `run_type: standard (default), regression, smoke or calibration. ${RUN_TYPE_MAPPING_DOC}`,
  })
  @ApiBody({
    type: CreateEvalRunDto,
    examples: {
      basic: {
        summary: 'Deterministic judge, agent called over HTTP',
        value: { agent_id: '7f0c2b7e-1111-4d2a-9c1e-2f6b7d1a0001', golden_set_id: '0b3e5c1a-2222-4f3b-8d2e-3a7c8e2b0002', name: 'nightly' },
      },
      provider_judge: {
        summary: 'LLM judge',
        value: {
          agent_id: '7f0c2b7e-1111-4d2a-9c1e-2f6b7d1a0001',
          golden_set_id: '0b3e5c1a-2222-4f3b-8d2e-3a7c8e2b0002',
          judge_mode: 'provider',
          judge_model: 'gpt-4o-mini',
        },
      },
    },
  })
  @ApiEnvelope(EvalRunView, { status: 202, description: 'Accepted: the run is pending' })
  @ApiErrors({
    422: 'GOLDEN_SET_EMPTY: the golden set has no active cases; EVAL_TEMPLATE_INCOMPATIBLE: the template does not fit the agent or the run type (details.problems); EVAL_POLICY_CONTRACT_ERROR: cases name dimensions the profile does not define (details.violations)',
  })
  create(@CurrentActor() actor: Actor, @Body() body: CreateEvalRunDto) {
    return this.creation.create(actor, body);
  }

  @Get()
  @Auth('viewer')
  @ApiOperation({ summary: 'List eval runs with their rates, newest first' })
  @ApiEnvelope(EvalRunListItemView, { paginated: true })
  list(@CurrentActor() actor: Actor, @Query() query: ListEvalRunsQuery) {
    const { limit, offset, ...filter } = query;
    return this.runs.list(actor, filter, { limit, offset });
  }

  @Get(':run_id')
  @Auth('viewer')
  @ApiOperation({ summary: 'Get an eval run (optionally with its first results)' })
  @ApiEnvelope(EvalRunDetailView)
  async get(@CurrentActor() actor: Actor, @Param('run_id', UuidParamPipe) runId: string, @Query() query: GetEvalRunQuery) {
    const run = await this.runs.get(actor, runId);
    if (!query.include_results) return run;
    const results = await this.runs.results(actor, runId, {}, { limit: query.results_limit, offset: 0 });
    return { ...run, results: results.items };
  }

  @Post(':run_id/execute')
  @HttpCode(200)
  @Auth('member')
  @ApiOperation({
    summary: 'Execute a pending run now, in this request (small runs, debugging)',
    description:
      'Calls the agent for every case, judges each answer, stores results and artifacts as cases finish (a process that dies ' +
      'mid-run keeps them; start resumes the run once it is reaped), and answers with the run and its summary. ' +
      'Judge or policy failures fail the run and answer with their code (EVAL_JUDGE_CONFIG_ERROR, EVAL_JUDGE_PROVIDER_ERROR, EVAL_POLICY_CONTRACT_ERROR). ' +
      'A cancelled run answers 409 EVAL_RUN_CANCELLED (start reopens it); any other run that is not pending answers 409 EVAL_RUN_STATUS_TRANSITION_INVALID.',
  })
  @ApiEnvelope(EvalRunExecuteView)
  @ApiErrors({
    409: 'EVAL_RUN_CANCELLED: the run was cancelled (start reopens it); EVAL_RUN_STATUS_TRANSITION_INVALID: the run is not pending; GOLDEN_SET_QUALITY_GATE_BLOCKED: the golden set quality gate the run asks for blocks it; CALIBRATION_GATE_BLOCKED: the calibration gate the run asks for blocks it (details.reasons); EVAL_RUN_BUDGET_EXCEEDED: the run reached its budget and failed, its results so far kept',
    422: "EVAL_RUN_TOO_LARGE_FOR_SYNC: more case executions than EVAL_SYNC_MAX_CASES (start it instead); EVAL_POLICY_CONTRACT_ERROR: a verdict broke the profile's policy contract, and the run failed",
    502: 'EVAL_JUDGE_PROVIDER_ERROR: the judge provider failed or answered malformed output, and the run failed',
  })
  execute(@CurrentActor() actor: Actor, @Param('run_id', UuidParamPipe) runId: string) {
    return this.sync.executeRun(actor, runId);
  }

  @Get(':run_id/results')
  @Auth('viewer')
  @ApiOperation({ summary: 'Case-level results, filterable' })
  @ApiEnvelope(EvalResultView, { paginated: true })
  results(@CurrentActor() actor: Actor, @Param('run_id', UuidParamPipe) runId: string, @Query() query: ListResultsQuery) {
    const { limit, offset, ...filter } = query;
    return this.runs.results(actor, runId, filter, { limit, offset });
  }

  @Get(':run_id/summary')
  @Auth('viewer')
  @ApiOperation({
    summary: 'Counts and rates (answer, source, quality); 0.0 on runs without results',
    description: "With as_reviewed=true, results a reviewer overrode count with the reviewer's values instead of the judge's.",
  })
  @ApiEnvelope(EvalRunSummaryView)
  summary(@CurrentActor() actor: Actor, @Param('run_id', UuidParamPipe) runId: string, @Query() query: SummaryQuery) {
    return this.runs.summary(actor, runId, { asReviewed: query.as_reviewed ?? false });
  }

  @Get(':run_id/artifacts')
  @Auth('viewer')
  @ApiOperation({ summary: 'Per-case traceability: judge input/output, latencies, tokens, prompt hash' })
  @ApiEnvelope(EvalRunArtifactView, { paginated: true })
  artifacts(@CurrentActor() actor: Actor, @Param('run_id', UuidParamPipe) runId: string, @Query() query: ListArtifactsQuery) {
    const { limit, offset, ...filter } = query;
    return this.runs.artifacts(actor, runId, filter, { limit, offset });
  }
}
