import { cohenKappa, KappaResult, rawAgreement, weightedKappa } from '@greenlight/statistics';
import { CALIBRATION_FIELDS, HumanLabel, QUALITY_SCALE } from './calibration.types';

/** The judge's verdict on one case, as stored with the run's result. */
export interface JudgeVerdict {
  case_id: string;
  passed: boolean | null;
  answer_correct: boolean | null;
  source_correct: boolean | null;
  quality_score: number | null;
}

/** A field's kappa with how often each label was given by the humans and by the judge. */
export type FieldKappa = KappaResult & { label_counts: { human: Record<string, number>; judge: Record<string, number> } };

export interface PairedAgreement {
  agreement: { overall: number | null; pairs: number; fields: Record<string, number | null> };
  kappa: Record<string, FieldKappa>;
}

/**
 * Pairs each human label with the judge's verdict on the same case, field by field, and measures
 * agreement: raw (share of exact matches), Cohen's kappa for the pass/fail fields and quadratic-weighted
 * kappa for the 1-5 quality scale (scores rounded to it). A field counts only where both
 * gave a value (a case the judge failed to score has none); a field nobody labelled is left out.
 */
export function pairLabels(labels: HumanLabel[], verdicts: Map<string, JudgeVerdict>): PairedAgreement {
  const kappa: Record<string, FieldKappa> = {};
  const fields: Record<string, number | null> = {};
  let agreed = 0;
  let total = 0;
  for (const field of CALIBRATION_FIELDS) {
    const pairs = field === 'quality_score' ? qualityPairs(labels, verdicts) : booleanPairs(field, labels, verdicts);
    if (pairs.length === 0) continue;
    const result =
      field === 'quality_score'
        ? weightedKappa(pairs as Array<[number, number]>, { categories: QUALITY_SCALE, weights: 'quadratic' })
        : cohenKappa(pairs as Array<[string, string]>, { labels: ['true', 'false'] });
    kappa[field] = { ...result, label_counts: labelCounts(result) };
    fields[field] = rawAgreement<string | number>(pairs);
    agreed += (fields[field] ?? 0) * pairs.length;
    total += pairs.length;
  }
  return { agreement: { overall: total === 0 ? null : agreed / total, pairs: total, fields }, kappa };
}

function booleanPairs(
  field: 'passed' | 'answer_correct' | 'source_correct',
  labels: HumanLabel[],
  verdicts: Map<string, JudgeVerdict>,
): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const label of labels) {
    const human = label[field];
    const judge = verdicts.get(label.case_id)?.[field];
    if (typeof human === 'boolean' && typeof judge === 'boolean') pairs.push([String(human), String(judge)]);
  }
  return pairs;
}

function qualityPairs(labels: HumanLabel[], verdicts: Map<string, JudgeVerdict>): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (const label of labels) {
    const score = verdicts.get(label.case_id)?.quality_score;
    if (typeof label.quality_score === 'number' && typeof score === 'number') pairs.push([onScale(label.quality_score), onScale(score)]);
  }
  return pairs;
}

/** Row sums are the human's label counts, column sums the judge's. */
function labelCounts(result: KappaResult): FieldKappa['label_counts'] {
  const { labels, counts } = result.matrix;
  return {
    human: Object.fromEntries(labels.map((l, i) => [l, counts[i].reduce((a, b) => a + b, 0)])),
    judge: Object.fromEntries(labels.map((l, j) => [l, counts.reduce((a, row) => a + row[j], 0)])),
  };
}

/** A score rounded onto the 1-5 scale. */
function onScale(score: number): number {
  return Math.min(5, Math.max(1, Math.round(score)));
}
