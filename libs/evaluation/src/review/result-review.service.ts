import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EvalResultEntity, EvalRunEntity, Page, PageRequest } from '@greenlight/database';
import { ActivityService, DomainError, OrgScope, paginate } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import type { RunConfig } from '@greenlight/contracts';
import { overrideFields, ReviewDeltas, reviewDeltas, ReviewInput } from './result-review';

/** Which results a reviewer wants to see first. */
export interface ReviewQueueFilter {
  /** Results that did not pass. */
  failed?: boolean;
  /** Quality score at or below this. */
  max_score?: number;
  /** Results of cases whose trials disagree (some passed, some did not). */
  flaky?: boolean;
  /** Results whose judge failed (no verdict). */
  judge_error?: boolean;
  /** Only results nobody reviewed yet (the default). */
  unreviewed?: boolean;
}

export type ReviewedResult = Omit<EvalResultEntity, 'org_id'> & { deltas: ReviewDeltas };

/** Human review of a run's results: a queue of those worth a look, and a person's accept or override. */
@Injectable()
export class ResultReviewService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly activity: ActivityService,
  ) {}

  async queue(actor: Actor, runId: string, filter: ReviewQueueFilter, page: PageRequest): Promise<Page<ReviewedResult>> {
    const scope = OrgScope.of(actor);
    const run = await scope.findOne(this.db, EvalRunEntity, runId, 'eval run');
    const qb = scope.query(this.db, EvalResultEntity, 'x').andWhere('x.run_id = :run', { run: run.id });
    if (filter.unreviewed ?? true) qb.andWhere(`x.review_status = 'unreviewed'`);
    if (filter.failed) qb.andWhere('x.passed IS FALSE');
    if (filter.max_score !== undefined) qb.andWhere('x.quality_score <= :maxq', { maxq: filter.max_score });
    if (filter.judge_error) qb.andWhere(`x.status = 'error' AND x.error_code LIKE 'EVAL_JUDGE%'`);
    if (filter.flaky) {
      qb.andWhere(
        `x.case_id IN (SELECT f.case_id FROM eval_results f WHERE f.run_id = :run AND f.passed IS NOT NULL
                       GROUP BY f.case_id HAVING bool_or(f.passed) AND NOT bool_and(f.passed))`,
      );
    }
    return paginate(qb.orderBy('x.case_id', 'ASC').addOrderBy('x.trial', 'ASC').addOrderBy('x.id', 'ASC'), page, presentReviewed);
  }

  /** Records the reviewer's decision (a later review replaces an earlier one) and the activity `result_reviewed`. */
  async review(actor: Actor, runId: string, resultId: string, input: ReviewInput): Promise<ReviewedResult> {
    const scope = OrgScope.of(actor);
    const run = await scope.findOne(this.db, EvalRunEntity, runId, 'eval run');
    const result = await this.db.getRepository(EvalResultEntity).findOneBy({ id: resultId, run_id: run.id, org_id: run.org_id });
    if (!result) throw DomainError.notFound('eval result', resultId);
    assertReviewable(result, input);
    assertWithinScales(run.config, input);
    return this.db.transaction(async (m) => {
      const overridden = input.decision === 'override';
      Object.assign(result, {
        review_status: overridden ? 'overridden' : 'accepted',
        review_override: overridden ? input.override! : null,
        review_reason: input.reason ?? null,
        reviewed_by_key_id: actor.key_id,
        reviewed_at: new Date(),
      });
      await m.save(result);
      await this.activity.record(m, actor, {
        org_id: run.org_id,
        agent_id: run.agent_id,
        event_type: 'result_reviewed',
        metadata: { run_id: run.id, result_id: result.id, case_id: result.case_id, decision: input.decision, fields: overrideFields(input.override) },
      });
      return presentReviewed(result);
    });
  }
}

function assertReviewable(result: EvalResultEntity, input: ReviewInput): void {
  if (input.decision === 'accept') {
    if (input.override !== undefined)
      throw DomainError.validation('an accepted result takes no override', [{ field: 'override', messages: ['must be absent to accept'] }]);
    return;
  }
  if (overrideFields(input.override).length === 0) {
    throw DomainError.validation('an override names at least one score', [{ field: 'override', messages: ['must name at least one field'] }]);
  }
  if (result.status === 'error' && input.override?.criteria_scores === undefined && input.override?.quality_score === undefined) {
    // An error result has no verdict; an override of it must at least give the quality score.
    throw DomainError.validation('a result without a verdict needs a quality_score to be overridden', [
      { field: 'override.quality_score', messages: ['is required for a result without a verdict'] },
    ]);
  }
}

/** The reviewer scores on the scales of the profile the run froze, and only its dimensions. */
function assertWithinScales(config: RunConfig, input: ReviewInput): void {
  const { criteria, quality } = config.profile.scoring_scale;
  const issues: { field: string; messages: string[] }[] = [];
  const q = input.override?.quality_score;
  if (q !== undefined && (q < quality.min || q > quality.max))
    issues.push({ field: 'override.quality_score', messages: [`must be between ${quality.min} and ${quality.max}`] });
  const dimensions = new Set(config.profile.dimensions.map((d) => d.key));
  for (const [key, score] of Object.entries(input.override?.criteria_scores ?? {})) {
    const field = `override.criteria_scores.${key}`;
    if (!dimensions.has(key)) issues.push({ field, messages: ['is not a dimension of the run profile'] });
    else if (typeof score !== 'number' || !Number.isFinite(score) || score < criteria.min || score > criteria.max) {
      issues.push({ field, messages: [`must be a number between ${criteria.min} and ${criteria.max}`] });
    }
  }
  if (issues.length > 0) throw DomainError.validation('the override is outside the run profile', issues);
}

function presentReviewed({ org_id: _org, ...r }: EvalResultEntity): ReviewedResult {
  return { ...r, deltas: reviewDeltas(r) };
}
