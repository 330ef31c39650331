import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { ResultReviewService } from '@greenlight/evaluation';
import { ApiEnvelope, UuidParamPipe } from '@greenlight/http';
import type { Actor } from '@greenlight/tenancy';
import { ReviewedResultView, ReviewQueueQuery, ReviewResultDto } from './dto/review.dto';

/** People checking the judge: a queue of results worth a look, and their accept or override of each. */
@ApiTags('Evaluation')
@Controller('api/v1/eval/runs')
export class ResultReviewController {
  constructor(private readonly reviews: ResultReviewService) {}

  @Get(':run_id/review-queue')
  @Auth('viewer')
  @ApiOperation({
    summary: 'Results waiting for a human review, by case and trial',
    description:
      'Unreviewed results by default (unreviewed=false lists reviewed ones too). Narrow it to results that did not pass (failed), ' +
      'scored at or below max_score, of cases whose trials disagree (flaky) or whose judge failed (judge_error). Every result ' +
      'comes with its reviewer-versus-judge deltas.',
  })
  @ApiEnvelope(ReviewedResultView, { paginated: true })
  queue(@CurrentActor() actor: Actor, @Param('run_id', UuidParamPipe) runId: string, @Query() query: ReviewQueueQuery) {
    const { limit, offset, ...filter } = query;
    return this.reviews.queue(actor, runId, filter, { limit, offset });
  }

  @Patch(':run_id/results/:result_id/review')
  @Auth('member')
  @ApiOperation({
    summary: "Accept or override the judge's verdict on one result",
    description:
      "accept keeps the judge's values; override gives the reviewer's answer_correct, source_correct, quality_score and/or " +
      "criteria_scores (at least one, within the profile's scales). The judge's own values are kept; the run summary applies " +
      'overrides with ?as_reviewed=true. A later review replaces an earlier one. Records the activity result_reviewed.',
  })
  @ApiEnvelope(ReviewedResultView)
  review(
    @CurrentActor() actor: Actor,
    @Param('run_id', UuidParamPipe) runId: string,
    @Param('result_id', UuidParamPipe) resultId: string,
    @Body() body: ReviewResultDto,
  ) {
    return this.reviews.review(actor, runId, resultId, body);
  }
}
