import type { EvalResultEntity, ResultReviewOverride } from '@greenlight/database';

// What a reviewer's decision changes, field by field: the judge's value, the reviewer's, and how far apart they are.

export type ReviewDecision = 'accept' | 'override';

export interface ReviewInput {
  decision: ReviewDecision;
  reason?: string;
  override?: ResultReviewOverride;
}

export interface BooleanDelta {
  judge: boolean | null;
  reviewer: boolean | null;
  changed: boolean;
}

export interface ScoreDelta {
  judge: number | null;
  reviewer: number | null;
  /** reviewer − judge; null when either is missing. */
  delta: number | null;
}

export interface ReviewDeltas {
  answer_correct: BooleanDelta;
  source_correct: BooleanDelta;
  quality_score: ScoreDelta;
  criteria_scores: Record<string, ScoreDelta>;
}

type Judged = Pick<EvalResultEntity, 'answer_correct' | 'source_correct' | 'quality_score' | 'criteria_scores' | 'review_override'>;

/** Reviewer against judge on every scored field; an accepted (or unreviewed) result agrees with its judge everywhere. */
export function reviewDeltas(r: Judged): ReviewDeltas {
  const o = r.review_override ?? {};
  const criteria: Record<string, ScoreDelta> = {};
  const judgeCriteria = r.criteria_scores ?? {};
  for (const key of new Set([...Object.keys(judgeCriteria), ...Object.keys(o.criteria_scores ?? {})])) {
    criteria[key] = scoreDelta(judgeCriteria[key] ?? null, o.criteria_scores?.[key] ?? judgeCriteria[key] ?? null);
  }
  return {
    answer_correct: booleanDelta(r.answer_correct, o.answer_correct ?? r.answer_correct),
    source_correct: booleanDelta(r.source_correct, o.source_correct ?? r.source_correct),
    quality_score: scoreDelta(r.quality_score, o.quality_score ?? r.quality_score),
    criteria_scores: criteria,
  };
}

function booleanDelta(judge: boolean | null, reviewer: boolean | null): BooleanDelta {
  return { judge, reviewer, changed: judge !== reviewer };
}

function scoreDelta(judge: number | null, reviewer: number | null): ScoreDelta {
  const delta = judge === null || reviewer === null ? null : Math.round((reviewer - judge) * 100) / 100;
  return { judge: judge === null ? null : Number(judge), reviewer: reviewer === null ? null : Number(reviewer), delta };
}

/** The fields an override names; an override that names none changes nothing and is refused. */
export function overrideFields(o: ResultReviewOverride | undefined): string[] {
  if (!o) return [];
  return (['answer_correct', 'source_correct', 'quality_score', 'criteria_scores'] as const).filter((k) => o[k] !== undefined);
}
