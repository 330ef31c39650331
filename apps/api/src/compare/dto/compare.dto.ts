import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsString, IsUUID, Length, Matches, ValidateBy } from 'class-validator';
import { OptionalField, OrgIdFilter, PageQuery, QueryBoolean, QueryNumber } from '@greenlight/http';
import { EvalRunSummaryView } from '../../evaluation/dto/eval-run.dto';
import { CompareDeltasView, CompareStatisticsView } from './compare-statistics.dto';

export const COMPARE_VERDICTS = ['regressed', 'improved', 'no_significant_change', 'inconclusive'] as const;

const REF_DESCRIPTION =
  "`latest` (the agent's newest completed run), `active` or `current` (the active run-registry entry of this side's kind), or a run-registry name of this side's kind";

/** A significance level strictly between 0 and 0.5. */
const IsAlpha = () =>
  ValidateBy({
    name: 'isAlpha',
    validator: {
      validate: (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0 && v < 0.5,
      defaultMessage: () => 'alpha must be a number greater than 0 and less than 0.5',
    },
  });

const RefField = () => applyDecorators(OptionalField(), IsString(), Length(1, 200), Matches(/\S/, { message: '$property must not be blank' }));

/** The fields of a compare, shared by the stored (POST) and the query (GET) form. */
class CompareFields {
  @ApiPropertyOptional({ format: 'uuid', description: 'Direct mode: the baseline run' })
  @OptionalField()
  @IsUUID()
  baseline_run_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Direct mode: the candidate run' })
  @OptionalField()
  @IsUUID()
  candidate_run_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Reference mode: the agent whose references are resolved' })
  @OptionalField()
  @IsUUID()
  agent_id?: string;

  @ApiPropertyOptional({ example: 'active', maxLength: 200, description: `Reference mode, resolved in kind baseline: ${REF_DESCRIPTION}` })
  @RefField()
  baseline_ref?: string;

  @ApiPropertyOptional({ example: 'latest', maxLength: 200, description: `Reference mode, resolved in kind candidate: ${REF_DESCRIPTION}` })
  @RefField()
  candidate_ref?: string;
}

/** `alpha` of both forms of a compare. */
const ALPHA_DOC: ApiPropertyOptions = {
  minimum: 0,
  maximum: 0.5,
  exclusiveMinimum: true,
  exclusiveMaximum: true,
  default: 0.05,
  description: 'Significance level of the tests',
};

export class CreateCompareDto extends CompareFields {
  @ApiPropertyOptional(ALPHA_DOC)
  @OptionalField()
  @IsAlpha()
  alpha?: number;

  @ApiPropertyOptional({
    type: Boolean,
    default: false,
    description: "With regressions: reuse the pair's open regression_compare pattern or open a high-priority one; the answer's `pattern` says which",
  })
  @OptionalField()
  @IsBoolean()
  auto_create_pattern?: boolean;
}

export class CompareQuery extends CompareFields {
  @ApiPropertyOptional(ALPHA_DOC)
  @OptionalField()
  @QueryNumber()
  @IsAlpha()
  alpha?: number;

  @ApiPropertyOptional({ type: Boolean, description: 'Refused here (this form stores nothing): use POST /api/v1/eval/compares' })
  @OptionalField()
  @QueryBoolean()
  @IsBoolean()
  auto_create_pattern?: boolean;
}

export class ListComparesQuery extends PageQuery {
  @OrgIdFilter()
  org_id?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @OptionalField() @IsUUID() agent_id?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @OptionalField() @IsUUID() baseline_run_id?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @OptionalField() @IsUUID() candidate_run_id?: string;
  @ApiPropertyOptional({ enum: COMPARE_VERDICTS }) @OptionalField() @IsIn(COMPARE_VERDICTS) verdict?: (typeof COMPARE_VERDICTS)[number];
}

class CaseResultView {
  @ApiProperty({ format: 'uuid' }) case_id: string;
  @ApiProperty({ description: 'Results of the case in the run (its trials)' }) trials: number;
  @ApiProperty({ description: 'Share of the trials that passed' }) pass_rate: number;
  @ApiProperty({ description: 'More than half of the trials passed' }) passed: boolean;
  @ApiProperty({ type: Number, nullable: true, description: 'Mean quality score of the judged trials' }) quality_score: number | null;
  @ApiProperty({ type: Boolean, nullable: true }) answer_correct: boolean | null;
  @ApiProperty({ type: Boolean, nullable: true }) source_correct: boolean | null;
}

class CaseChangeView {
  @ApiProperty({ format: 'uuid', description: "The baseline's case id" }) case_id: string;
  @ApiProperty({ format: 'uuid', description: 'The candidate case it was compared with (a successor when paired by lineage)' }) candidate_case_id: string;
  @ApiProperty() paired_by_lineage: boolean;
  @ApiProperty({ enum: ['pass_rate', 'quality_score'], description: 'What decided the change' }) decided_by: string;
  @ApiProperty({ type: Number, nullable: true }) quality_score_delta: number | null;
  @ApiProperty({ type: CaseResultView }) baseline: CaseResultView;
  @ApiProperty({ type: CaseResultView }) candidate: CaseResultView;
}

class CompareRunSummaryView extends EvalRunSummaryView {
  @ApiProperty({ format: 'uuid' }) golden_set_id: string;
}

class UnpairedCasesView {
  @ApiProperty({ type: [String], description: 'Baseline cases without a candidate counterpart (first 100)' }) baseline_only: string[];
  @ApiProperty({ type: [String], description: 'Candidate cases without a baseline counterpart (first 100)' }) candidate_only: string[];
  @ApiProperty() truncated: boolean;
}

class ComparePatternView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['created', 'reused'] }) action: string;
}

class RemediationView {
  @ApiProperty({ description: 'Regression patterns moved to verifying by this clean compare' }) auto_closed: number;
  @ApiProperty({ type: [String] }) updated_patterns: string[];
  @ApiProperty({ type: [String], description: "The agent's open max_regression_count SLO violations this clean compare resolved" })
  resolved_slo_violations: string[];
}

class CompareNotificationView {
  @ApiProperty({ enum: ['regression_detected'] }) event_type: string;
  @ApiProperty({ description: 'Webhook deliveries queued for the event' }) queued_deliveries: number;
}

const REGRESSION_RULE =
  'A case regressed when its pass rate is lower on the candidate (one trial per case: the baseline passed and the candidate failed), ' +
  'or, with the same pass rate and both judged, when its mean quality score is lower; an improvement is the mirror. ' +
  'A case is never both. Cases pair by case id; a case left unpaired pairs with a case of the other run from the same golden-set lineage ' +
  '(both lead through superseded_by to the same newest version).';

export class CompareView {
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Null on the query form (nothing stored)' }) id: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) created_at: string | null;
  @ApiProperty() stored: boolean;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ enum: ['direct', 'reference'] }) mode: string;
  @ApiProperty({ type: String, nullable: true }) baseline_ref: string | null;
  @ApiProperty({ type: String, nullable: true }) candidate_ref: string | null;
  @ApiProperty({ format: 'uuid' }) baseline_run_id: string;
  @ApiProperty({ format: 'uuid' }) candidate_run_id: string;
  @ApiProperty() alpha: number;
  @ApiProperty({ enum: COMPARE_VERDICTS, description: 'regressed when a paired test is significant at alpha toward worse; inconclusive under 5 paired cases' })
  verdict: string;
  @ApiProperty() verdict_reason: string;
  @ApiProperty({ type: CompareRunSummaryView }) baseline: CompareRunSummaryView;
  @ApiProperty({ type: CompareRunSummaryView }) candidate: CompareRunSummaryView;
  @ApiProperty() compared_case_count: number;
  @ApiProperty() paired_by_lineage_count: number;
  @ApiProperty() unpaired_case_count: number;
  @ApiProperty({ type: UnpairedCasesView }) unpaired_case_ids: UnpairedCasesView;
  @ApiProperty({ description: REGRESSION_RULE }) regression_count: number;
  @ApiProperty() improvement_count: number;
  @ApiProperty({ type: [CaseChangeView], description: 'The regressed cases in case-id order, at most 1,000' }) regressions: CaseChangeView[];
  @ApiProperty({ description: 'More regressions than listed' }) regressions_truncated: boolean;
  @ApiProperty({ type: [CaseChangeView], description: 'The improved cases in case-id order, at most 1,000' }) improvements: CaseChangeView[];
  @ApiProperty() improvements_truncated: boolean;
  @ApiProperty({
    type: () => CompareDeltasView,
    description:
      'Candidate − baseline over the paired cases: answer_rate, source_rate and pass_rate with a paired (Newcombe) interval, quality with a bootstrap interval of the mean score difference',
  })
  deltas: CompareDeltasView;
  @ApiProperty({
    type: () => CompareStatisticsView,
    description:
      'pass_fail: exact McNemar (two-sided binomial on the discordant pairs, with both counts); scores: Wilcoxon signed-rank, sign test and a seeded paired bootstrap interval of the mean score difference',
  })
  statistics: CompareStatisticsView;
  @ApiProperty({ type: ComparePatternView, nullable: true }) pattern: ComparePatternView | null;
  @ApiProperty({ type: RemediationView, nullable: true, description: 'On a clean stored compare (no regression)' }) remediation: RemediationView | null;
  @ApiProperty({ type: CompareNotificationView, nullable: true, description: 'When regressions were found' }) notification: CompareNotificationView | null;
}

export class CompareListItemView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ format: 'uuid' }) agent_id: string;
  @ApiProperty({ format: 'uuid' }) baseline_run_id: string;
  @ApiProperty({ format: 'uuid' }) candidate_run_id: string;
  @ApiProperty({ enum: ['direct', 'reference'] }) mode: string;
  @ApiProperty({ type: String, nullable: true }) baseline_ref: string | null;
  @ApiProperty({ type: String, nullable: true }) candidate_ref: string | null;
  @ApiProperty() compared_case_count: number;
  @ApiProperty() unpaired_case_count: number;
  @ApiProperty() regression_count: number;
  @ApiProperty() improvement_count: number;
  @ApiProperty({ enum: COMPARE_VERDICTS }) verdict: string;
  @ApiProperty() alpha: number;
  @ApiProperty({ type: () => CompareDeltasView }) deltas: CompareDeltasView;
  @ApiProperty({ type: () => CompareStatisticsView }) statistics: CompareStatisticsView;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) pattern_id: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) api_key_id: string | null;
  @ApiProperty({ type: String, nullable: true }) request_id: string | null;
  @ApiProperty({ format: 'date-time', type: String }) created_at: Date;
}
