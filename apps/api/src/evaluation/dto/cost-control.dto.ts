import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsObject, Max, Min, ValidateNested } from 'class-validator';
import { CALIBRATION_FIELDS, CalibrationField } from '@greenlight/calibration';
import { OptionalField } from '@greenlight/http';

// What a run may spend and what it spent: the budget asked for at creation, the judge's token usage and
// estimated cost on the summary, and the calibration gate's thresholds on the run's gates.

const BUDGET_DOC =
  'Checked between cases: a case does not start once a limit is reached, and the run then fails with EVAL_RUN_BUDGET_EXCEEDED ' +
  '(its results so far kept). Agent calls are reserved before each case, so they never exceed the limit; judge tokens and cost are ' +
  'known only after a case, so they can overshoot by the cases in flight.';

export class RunBudgetDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100_000_000, description: 'Most agent calls (case executions, retries included)' })
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  max_agent_calls?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1e12, description: 'Most judge tokens (prompt + completion; cache hits are free)' })
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(1e12)
  max_judge_tokens?: number;

  @ApiPropertyOptional({
    minimum: 0.000001,
    maximum: 1_000_000,
    description: "Most estimated judge cost in US dollars (EVAL_JUDGE_PRICES); 400 when the run's judge model has no price",
  })
  @OptionalField()
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 6 })
  @Min(0.000001)
  @Max(1_000_000)
  max_cost_usd?: number;
}

/** The run options that limit a run: the calibration gate it requires, and its budget. */
export class RunLimitOptionsDto {
  @ApiPropertyOptional({
    description:
      "Refuse execute, start and requeue (409 CALIBRATION_GATE_BLOCKED) while the agent's judge calibration does not pass the gate " +
      "for this run's judge configuration. Absent: the agent's SLO policy decides (not required without one)",
  })
  @OptionalField()
  @IsBoolean()
  require_calibration_gate?: boolean;

  @ApiPropertyOptional({ enum: CALIBRATION_FIELDS, description: 'The calibration field the gate measures; default passed' })
  @OptionalField()
  @IsIn(CALIBRATION_FIELDS)
  calibration_field?: CalibrationField;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'Least raw agreement of the calibration on the field; default 0.8' })
  @OptionalField()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  min_calibration_agreement?: number;

  @ApiPropertyOptional({ minimum: -1, maximum: 1, description: 'Least kappa of the calibration on the field; default 0.6' })
  @OptionalField()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-1)
  @Max(1)
  min_calibration_kappa?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 3650, description: 'Oldest calibration (days) that still counts; default 30' })
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(3650)
  max_calibration_age_days?: number;

  @ApiPropertyOptional({ type: RunBudgetDto, description: 'Limits on what the run may spend' })
  @OptionalField()
  @IsObject()
  @ValidateNested()
  @Type(() => RunBudgetDto)
  budget?: RunBudgetDto;
}

export class RunBudgetView {
  @ApiPropertyOptional({ description: BUDGET_DOC }) max_agent_calls?: number;
  @ApiPropertyOptional() max_judge_tokens?: number;
  @ApiPropertyOptional() max_cost_usd?: number;
}

export class RunCalibrationThresholdsView {
  @ApiPropertyOptional({ enum: ['passed', 'answer_correct', 'source_correct', 'quality_score'] }) field?: string;
  @ApiPropertyOptional() min_agreement?: number;
  @ApiPropertyOptional() min_kappa?: number;
  @ApiPropertyOptional() max_calibration_age_days?: number;
}

export class RunGatesView {
  @ApiPropertyOptional({ description: 'Absent: not asked for (the SLO policy decides; not required without one)' })
  require_golden_set_quality_gate?: boolean;
  @ApiPropertyOptional() min_active_case_count?: number;
  @ApiPropertyOptional() min_verified_case_ratio?: number;
  @ApiPropertyOptional({ description: "Refused (409 CALIBRATION_GATE_BLOCKED) while the agent's judge calibration does not pass" })
  require_calibration_gate?: boolean;
  @ApiPropertyOptional({
    type: RunCalibrationThresholdsView,
    description: 'The thresholds given; the others come from the SLO policy, then the defaults (passed, 0.8, 0.6, 30 days)',
  })
  calibration?: RunCalibrationThresholdsView;
}

class BudgetExceededView {
  @ApiProperty({ enum: ['max_agent_calls', 'max_judge_tokens', 'max_cost_usd'] }) budget: string;
  @ApiProperty() limit: number;
  @ApiProperty() used: number;
}

export class RunBudgetUsageView {
  @ApiProperty({ type: RunBudgetView }) limits: RunBudgetView;
  @ApiProperty({
    description: 'Agent calls reserved by the latest execution (every case started, retries included; a resumed run starts from its kept results)',
  })
  agent_calls: number;
  @ApiProperty() judge_tokens: number;
  @ApiProperty() cost_usd: number;
  @ApiProperty({ type: BudgetExceededView, nullable: true, description: 'The limit that stopped the run; null while none did' })
  exceeded: BudgetExceededView | null;
}

export class RunUsageView {
  @ApiProperty({ description: 'Results stored: one agent call each (transient failures retried before are not counted)' }) agent_calls: number;
  @ApiProperty({ description: 'Verdicts the judge computed, cache hits excluded (with the provider judge, one model call each)' })
  judge_calls: number;
  @ApiProperty({ description: "Verdicts reused from the run's judge cache: no call, no tokens, no cost" }) judge_cache_hits: number;
  @ApiProperty() judge_prompt_tokens: number;
  @ApiProperty() judge_completion_tokens: number;
  @ApiProperty() judge_total_tokens: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Estimated judge cost in US dollars (EVAL_JUDGE_PRICES); null when a judge call has no known cost (unpriced_judge_calls > 0)',
  })
  estimated_cost_usd: number | null;
  @ApiProperty({ description: 'Judge calls whose cost is unknown: no price for the model, or no usage in the response' })
  unpriced_judge_calls: number;
  @ApiPropertyOptional({ type: RunBudgetUsageView, description: 'Only for a run with a budget' }) budget?: RunBudgetUsageView;
}
