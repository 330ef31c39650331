import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsNumber, IsObject, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { PageQuery, QueryBoolean, OptionalField, QueryNumber, OrgIdFilter } from '@greenlight/http';
import { RunBudgetView, RunGatesView, RunLimitOptionsDto, RunUsageView } from './cost-control.dto';
import { RUN_TYPES, RunTypeField, RunTypeName } from './run-type';

const RUN_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
const DOT_PATH = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;

const JUDGE_HASH_DOC =
  'SHA-256 (hex) of the judge the run froze — mode, model, prompt version and eval profile snapshot — in canonical JSON: ' +
  'runs with the same hash were judged alike. Null on runs created before the hash was kept.';

/** Run knobs; also the shape of a template's `config` (the calibration gate and the budget are in RunLimitOptionsDto). */
export class RunOptionsDto extends RunLimitOptionsDto {
  @ApiPropertyOptional({ enum: ['deterministic', 'provider'], default: 'deterministic' })
  @OptionalField()
  @IsIn(['deterministic', 'provider'])
  judge_mode?: 'deterministic' | 'provider';

  @ApiPropertyOptional({ example: 'gpt-4o-mini', description: 'Provider judge model; default EVAL_JUDGE_MODEL' })
  @OptionalField()
  @IsString()
  @Matches(/^\S{1,200}$/)
  judge_model?: string;

  @ApiPropertyOptional({ enum: ['auto', 'simulated', 'agent_http'], default: 'auto', description: 'auto: agent_http when the agent has an api_endpoint' })
  @OptionalField()
  @IsIn(['auto', 'simulated', 'agent_http'])
  executor_mode?: 'auto' | 'simulated' | 'agent_http';

  @ApiPropertyOptional({ minimum: 100, maximum: 600000, description: 'Per-call agent timeout; default EVAL_AGENT_TIMEOUT_MS' })
  @OptionalField()
  @IsInt()
  @Min(100)
  @Max(600_000)
  agent_timeout_ms?: number;

  @ApiPropertyOptional({ example: 'data.answer', description: 'Dot path of the output in the agent response' })
  @OptionalField()
  @IsString()
  @MaxLength(200)
  @Matches(DOT_PATH)
  response_output_path?: string;

  @ApiPropertyOptional({ example: 'data.citations', description: 'Dot path of the sources in the agent response' })
  @OptionalField()
  @IsString()
  @MaxLength(200)
  @Matches(DOT_PATH)
  response_sources_path?: string;

  @ApiPropertyOptional({ default: false, description: 'Block execution while the golden set quality gate fails' })
  @OptionalField()
  @IsBoolean()
  require_golden_set_quality_gate?: boolean;

  @ApiPropertyOptional({ minimum: 0, default: 1 })
  @OptionalField()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  min_active_case_count?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, default: 0 })
  @OptionalField()
  @IsNumber()
  @Min(0)
  @Max(1)
  min_verified_case_ratio?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 10,
    default: 1,
    description:
      'How many times each case is executed and judged. More than one shows cases the agent answers right only some of the time ' +
      '(flaky_cases in the summary); the run then has cases × trials results and its progress counts them.',
  })
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(10)
  trials?: number;
}

export class CreateEvalRunDto extends RunOptionsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  agent_id: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Required unless the template has a default golden set' })
  @OptionalField()
  @IsUUID()
  golden_set_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Start from an eval template; fields given here override it' })
  @OptionalField()
  @IsUUID()
  template_id?: string;

  @ApiPropertyOptional({ maxLength: 200, example: 'nightly 2026-11-22' })
  @OptionalField()
  @IsString()
  @MaxLength(200)
  name?: string;

  @RunTypeField({ default: 'standard' })
  run_type?: RunTypeName;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Free-form context kept with the run' })
  @OptionalField()
  @IsObject()
  design_context?: Record<string, unknown>;
}

export class ListEvalRunsQuery extends PageQuery {
  @OrgIdFilter()
  org_id?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @OptionalField() @IsUUID() agent_id?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @OptionalField() @IsUUID() golden_set_id?: string;
  @ApiPropertyOptional({ enum: RUN_STATUSES }) @OptionalField() @IsIn(RUN_STATUSES) status?: (typeof RUN_STATUSES)[number];
  @RunTypeField() run_type?: RunTypeName;
}

export class GetEvalRunQuery {
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Include the first `results_limit` results' })
  @OptionalField()
  @QueryBoolean()
  @IsBoolean()
  include_results?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @OptionalField()
  @QueryNumber()
  @IsInt()
  @Min(1)
  @Max(200)
  results_limit: number = 50;
}

export class SummaryQuery {
  @ApiPropertyOptional({ type: Boolean, default: false, description: "Apply reviewers' overrides to the counts and rates" })
  @OptionalField()
  @QueryBoolean()
  @IsBoolean()
  as_reviewed?: boolean;
}

export class ListResultsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['answer', 'criteria'] }) @OptionalField() @IsIn(['answer', 'criteria']) evaluation_mode?: 'answer' | 'criteria';
  @ApiPropertyOptional({ enum: ['scored', 'error'] }) @OptionalField() @IsIn(['scored', 'error']) status?: 'scored' | 'error';
  @ApiPropertyOptional({ type: Boolean }) @OptionalField() @QueryBoolean() @IsBoolean() answer_correct?: boolean;
  @ApiPropertyOptional({ type: Boolean }) @OptionalField() @QueryBoolean() @IsBoolean() source_correct?: boolean;
  @ApiPropertyOptional({ type: Boolean }) @OptionalField() @QueryBoolean() @IsBoolean() passed?: boolean;
  @ApiPropertyOptional() @OptionalField() @QueryNumber() @IsNumber() @Min(0) @Max(100) min_quality_score?: number;
  @ApiPropertyOptional() @OptionalField() @QueryNumber() @IsNumber() @Min(0) @Max(100) max_quality_score?: number;
  @ApiPropertyOptional({ format: 'uuid' }) @OptionalField() @IsUUID() case_id?: string;
  @ApiPropertyOptional({ example: 'hallucination' }) @OptionalField() @IsString() @MaxLength(64) issue_tag?: string;
}

export class ListArtifactsQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @OptionalField() @IsUUID() case_id?: string;
  @ApiPropertyOptional({ enum: ['answer', 'criteria'] }) @OptionalField() @IsIn(['answer', 'criteria']) evaluation_mode?: 'answer' | 'criteria';
}

class JudgeConfigView {
  @ApiProperty({ enum: ['deterministic', 'provider'] }) mode: string;
  @ApiProperty({ nullable: true, type: String }) model: string | null;
  @ApiProperty() prompt_version: string;
}

class ExecutorConfigView {
  @ApiProperty({ enum: ['auto', 'simulated', 'agent_http'] }) requested_mode: string;
  @ApiProperty({ enum: ['simulated', 'agent_http'] }) mode: string;
  @ApiProperty({ nullable: true, type: String }) endpoint: string | null;
  @ApiProperty() timeout_ms: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) mapping: Record<string, unknown>;
}

class ProfileSnapshotView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() version: number;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } }) dimensions: unknown[];
  @ApiProperty({ type: 'object', additionalProperties: true }) scoring_scale: Record<string, unknown>;
  @ApiProperty({ type: [String] }) issue_tags: string[];
}

export class RunConfigView {
  @ApiProperty() golden_set_version: number;
  @ApiProperty({ format: 'date-time' }) cases_as_of: string;
  @ApiProperty({ type: JudgeConfigView }) judge: JudgeConfigView;
  @ApiProperty({ type: ExecutorConfigView }) executor: ExecutorConfigView;
  @ApiProperty({ type: ProfileSnapshotView }) profile: ProfileSnapshotView;
  @ApiProperty({ type: RunGatesView }) gates: RunGatesView;
  @ApiPropertyOptional({ minimum: 1, maximum: 10, description: 'Executions of each case; absent on runs created before trials existed (1)' })
  trials?: number;
  @ApiPropertyOptional({ type: RunBudgetView, description: 'Absent: no budget' }) budget?: RunBudgetView;
}

export class EvalRunView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ format: 'uuid' }) golden_set_id: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) template_id: string | null;
  @ApiProperty() name: string;
  @ApiProperty({ enum: RUN_TYPES }) run_type: string;
  @ApiProperty({ enum: RUN_STATUSES }) status: string;
  @ApiProperty({ type: RunConfigView, description: 'Frozen at creation' }) config: RunConfigView;
  @ApiProperty({
    nullable: true,
    type: String,
    description: JUDGE_HASH_DOC,
  })
  judge_config_hash: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) design_context: Record<string, unknown>;
  @ApiProperty({ description: 'Case executions the run makes: its cases × its trials (the number of cases when trials is 1)' }) total_cases: number;
  @ApiProperty({ description: 'Case executions with a result so far (every trial of a case counts)' }) completed_cases: number;
  @ApiProperty({
    description:
      'Results stored for the run (scored and error results). Kept with each result write, so reading it costs nothing; ' +
      'it equals completed_cases, and goes back to 0 when the run is reopened afresh (a resumed run keeps its results).',
  })
  result_count: number;
  @ApiProperty({ description: 'completed_cases / total_cases' }) progress: number;
  @ApiProperty({ nullable: true, type: String }) failure_code: string | null;
  @ApiProperty({ nullable: true, type: String }) failure_reason: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) started_at: Date | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) completed_at: Date | null;
  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
  @ApiProperty({ format: 'date-time', type: String }) updated_at: Date;
}

export class RunRatesView {
  @ApiProperty() result_count: number;
  @ApiProperty({ description: 'Cases whose agent call failed' }) error_count: number;
  @ApiProperty({ description: 'error_count / result_count; the other rates cover the cases that were scored' }) error_rate: number;
  @ApiProperty() answer_correct_rate: number;
  @ApiProperty() source_correct_rate: number;
  @ApiProperty() quality_pass_rate: number;
  @ApiProperty() pass_rate: number;
}

export class EvalRunListItemView extends EvalRunView {
  @ApiProperty({ type: RunRatesView }) rates: RunRatesView;
}

export class EvalResultView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) run_id: string;
  @ApiProperty({ format: 'uuid' }) case_id: string;
  @ApiProperty({ minimum: 1, maximum: 10, description: "Which of the run's executions of the case this is" }) trial: number;
  @ApiProperty({ enum: ['answer', 'criteria'] }) evaluation_mode: string;
  @ApiProperty({ enum: ['scored', 'error'] }) status: string;
  @ApiProperty({ nullable: true, type: String }) actual_output: string | null;
  @ApiProperty({ type: [String] }) actual_sources: string[];
  @ApiProperty({ nullable: true, type: Boolean }) answer_correct: boolean | null;
  @ApiProperty({ nullable: true, type: Boolean }) source_correct: boolean | null;
  @ApiProperty({ nullable: true, type: Number }) quality_score: number | null;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: { type: 'number' } }) criteria_scores: Record<string, number> | null;
  @ApiProperty({ nullable: true, type: Boolean }) passed: boolean | null;
  @ApiProperty({ type: [String] }) issue_tags: string[];
  @ApiProperty({ nullable: true, type: String }) judge_reasoning: string | null;
  @ApiProperty({ nullable: true, type: String }) error_code: string | null;
  @ApiProperty({ nullable: true, type: String }) error_message: string | null;
  @ApiProperty() latency_ms: number;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Execution trace: latencies, cache hit, error details' }) notes: Record<
    string,
    unknown
  >;
  @ApiProperty({ enum: ['unreviewed', 'accepted', 'overridden'], description: "A person's review of the judge's verdict" }) review_status: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) reviewed_by_key_id: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) reviewed_at: Date | null;
  @ApiProperty({ nullable: true, type: String }) review_reason: string | null;
  @ApiProperty({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    description: "The reviewer's answer_correct, source_correct, quality_score, criteria_scores (only those overridden); the judge's values stay as they were",
  })
  review_override: Record<string, unknown> | null;
  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
}

export class EvalRunDetailView extends EvalRunView {
  @ApiPropertyOptional({ type: [EvalResultView], description: 'With include_results=true' }) results?: EvalResultView[];
}

class RateView {
  @ApiProperty() evaluated: number;
  @ApiProperty() correct: number;
  @ApiProperty() rate: number;
}

class QualityView {
  @ApiProperty() evaluated: number;
  @ApiProperty() average_score: number;
  @ApiProperty() pass_count: number;
  @ApiProperty() pass_rate: number;
  @ApiProperty() pass_threshold: number;
}

class ByModeView {
  @ApiProperty() answer: number;
  @ApiProperty() criteria: number;
}

class CaseTrialRateView {
  @ApiProperty({ format: 'uuid' }) case_id: string;
  @ApiProperty({ description: 'Trials of the case with a result' }) trials: number;
  @ApiProperty({ description: 'Trials that passed' }) passed: number;
  @ApiProperty({ description: 'passed / trials' }) pass_rate: number;
}

/** With trials > 1 every count and rate is over all trials' results; the per-case view is in case_pass_rates. */
export class EvalRunSummaryView {
  @ApiProperty({ format: 'uuid' }) run_id: string;
  @ApiProperty({ enum: RUN_STATUSES }) status: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: JUDGE_HASH_DOC,
  })
  judge_config_hash: string | null;
  @ApiProperty({ description: 'Case executions: cases × trials' }) total_cases: number;
  @ApiProperty() result_count: number;
  @ApiProperty() scored_count: number;
  @ApiProperty() error_count: number;
  @ApiProperty({ type: RateView }) answer: RateView;
  @ApiProperty({ type: RateView }) source: RateView;
  @ApiProperty({ type: QualityView }) quality: QualityView;
  @ApiProperty() passed_count: number;
  @ApiProperty({ description: 'passed_count / result_count, over every trial of every case' }) pass_rate: number;
  @ApiProperty({ type: ByModeView }) by_mode: ByModeView;
  @ApiProperty({ description: "True when reviewers' overrides replace the judge's values in the counts and rates (?as_reviewed=true)" }) as_reviewed: boolean;
  @ApiPropertyOptional({ minimum: 2, maximum: 10, description: 'Only for runs of more than one trial per case' }) trials?: number;
  @ApiPropertyOptional({ type: [CaseTrialRateView], description: 'Only with trials > 1: each case with a result, its pass rate over its trials' })
  case_pass_rates?: CaseTrialRateView[];
  @ApiPropertyOptional({
    type: [CaseTrialRateView],
    description: 'Only with trials > 1: the cases whose trials disagree (some passed, some did not; an error counts as not passed)',
  })
  flaky_cases?: CaseTrialRateView[];
  @ApiProperty({ type: RunUsageView, description: 'Agent calls, judge calls, tokens and estimated cost' }) usage: RunUsageView;
}

export class EvalRunExecuteView {
  @ApiProperty({ type: EvalRunView }) run: EvalRunView;
  @ApiProperty({ type: EvalRunSummaryView }) summary: EvalRunSummaryView;
}

export class EvalRunArtifactView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) run_id: string;
  @ApiProperty({ format: 'uuid' }) result_id: string;
  @ApiProperty({ format: 'uuid' }) case_id: string;
  @ApiProperty({ minimum: 1, maximum: 10 }) trial: number;
  @ApiProperty({ enum: ['answer', 'criteria'] }) evaluation_mode: string;
  @ApiProperty({ enum: ['deterministic', 'provider'] }) judge_mode: string;
  @ApiProperty({ nullable: true, type: String }) judge_model: string | null;
  @ApiProperty() judge_prompt_version: string;
  @ApiProperty() judge_prompt_hash: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: JUDGE_HASH_DOC,
  })
  judge_config_hash: string | null;
  @ApiProperty({ enum: ['simulated', 'agent_http'] }) executor_mode: string;
  @ApiProperty() case_latency_ms: number;
  @ApiProperty() execution_latency_ms: number;
  @ApiProperty() judge_latency_ms: number;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: { type: 'number' } }) token_usage: Record<string, number> | null;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) judge_input: unknown;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) judge_output: unknown;
  @ApiProperty({ type: 'object', additionalProperties: true }) execution_trace: Record<string, unknown>;
  @ApiProperty() cache_hit: boolean;
  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      'Estimated US dollars of the judge call (EVAL_JUDGE_PRICES): 0 for the deterministic judge and a cache hit, null when the model has no price or no judge call was made',
  })
  judge_cost_usd: number | null;
  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
}

export class StartRunView {
  @ApiProperty({ type: EvalRunView }) run: EvalRunView;
  @ApiProperty({ description: 'false when the run was already queued or running (nothing new was enqueued)' }) enqueued: boolean;
  @ApiProperty({ description: 'The BullMQ job id of the start job' }) job_id: string;
  @ApiProperty({
    description: 'The run was terminal and was reopened to pending: previous results cleared, or kept when it had failed on our side (it resumes)',
  })
  reopened: boolean;
}

export class CancelRunView {
  @ApiProperty({ type: EvalRunView }) run: EvalRunView;
  @ApiProperty({ description: 'false when the run had already ended' }) cancelled: boolean;
}

export class EvalRunEventView {
  @ApiProperty({ description: 'Sequence number (string: 64-bit)' }) id: string;
  @ApiProperty({ format: 'uuid' }) run_id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ example: 'run_started' }) event_type: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details: Record<string, unknown>;
  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
}
