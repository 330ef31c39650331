import { createHash } from 'node:crypto';
import {
  BootstrapInterval,
  decideVerdict,
  mcnemarExact,
  pairedBootstrapMeanCI,
  pairedProportionDelta,
  signTest,
  wilcoxonSignedRank,
} from '@greenlight/statistics';
import type { CompareVerdict } from '@greenlight/database';
import { CasePair, CaseOutcome, pairedCounts, scoreDifferences } from './case-pairing';

/** Bootstrap resamples asked for; the statistics lib lowers them for very large compares to keep within its work budget. */
const BOOTSTRAP_ITERATIONS = 2000;

/**
 * The bootstrap seed of a compare: derived from the two run ids, so the same pair of runs always gets
 * the same interval (a stored compare and a fresh one agree).
 */
export function bootstrapSeed(baselineRunId: string, candidateRunId: string): number {
  return createHash('sha256').update(`${baselineRunId}:${candidateRunId}`).digest().readUInt32BE(0);
}

const round = (v: number, digits = 6) => Math.round(v * 10 ** digits) / 10 ** digits;
const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length);

/** A rate over the pairs where both sides have the outcome: baseline, candidate, difference and its interval. */
function rateDelta(pairs: CasePair[], pick: (o: CaseOutcome) => boolean | null, confidence: number) {
  const counts = pairedCounts(pairs, pick);
  const n = counts.both_pass + counts.regressions + counts.improvements + counts.both_fail;
  return { paired_cases: n, ...pairedProportionDelta(counts, confidence) };
}

export interface CompareStatisticsInput {
  pairs: CasePair[];
  alpha: number;
  seed: number;
}

/** Rate and score deltas (candidate − baseline) with confidence intervals at 1 − alpha, over the paired cases. */
function computeDeltas(pairs: CasePair[], alpha: number, diffs: number[], bootstrap: BootstrapInterval) {
  const confidence = 1 - alpha;
  const baselineScores = pairs.filter((p) => p.baseline.quality_score !== null && p.candidate.quality_score !== null).map((p) => p.baseline.quality_score!);
  return {
    confidence,
    answer_rate: rateDelta(pairs, (o) => o.answer_correct, confidence),
    source_rate: rateDelta(pairs, (o) => o.source_correct, confidence),
    pass_rate: rateDelta(pairs, (o) => o.passed, confidence),
    quality: {
      paired_cases: diffs.length,
      baseline_average: diffs.length === 0 ? null : round(mean(baselineScores)),
      candidate_average: diffs.length === 0 ? null : round(mean(baselineScores) + mean(diffs)),
      bootstrap,
    },
  };
}

/**
 * The evidence of a compare: rate and score deltas with intervals, the paired tests (exact McNemar on
 * pass/fail, Wilcoxon signed-rank and sign test on score differences, a seeded bootstrap interval of the
 * mean score difference) and the verdict at `alpha`.
 */
export function analysePairs({ pairs, alpha, seed }: CompareStatisticsInput) {
  const pass = pairedCounts(pairs, (o) => o.passed);
  const diffs = scoreDifferences(pairs);
  const mcnemar = mcnemarExact(pass.regressions, pass.improvements);
  const wilcoxon = wilcoxonSignedRank(diffs);
  const sign = signTest(diffs);
  const bootstrap = pairedBootstrapMeanCI(diffs, { iterations: BOOTSTRAP_ITERATIONS, confidence: 1 - alpha, seed });
  const decision = decideVerdict({ pass: mcnemar, scores: wilcoxon, paired_cases: pairs.length, alpha });
  return {
    deltas: computeDeltas(pairs, alpha, diffs, bootstrap),
    statistics: {
      pass_fail: { ...mcnemar, both_pass: pass.both_pass, both_fail: pass.both_fail },
      scores: { paired_cases: diffs.length, wilcoxon, sign_test: sign, bootstrap_mean_difference: bootstrap },
    },
    verdict: decision.verdict satisfies CompareVerdict,
    verdict_reason: decision.reason,
  };
}
