import { ApiProperty } from '@nestjs/swagger';

// The evidence of a compare as the answer carries it: the rate and score deltas (candidate − baseline over
// the paired cases) and the paired tests behind the verdict. Every interval is at the compare's confidence,
// 1 − alpha.

export class CompareRateDeltaView {
  @ApiProperty({ type: 'integer', description: 'Paired cases where both runs have a value for this outcome; the rates below are over these cases' })
  paired_cases: number;
  @ApiProperty({ description: 'Share of these cases with the outcome on the baseline (0 to 1)' }) baseline: number;
  @ApiProperty({ description: 'Share of these cases with the outcome on the candidate (0 to 1)' }) candidate: number;
  @ApiProperty({ description: 'Candidate − baseline: above 0 the candidate does better on this outcome' }) delta: number;
  @ApiProperty({ description: 'Lower bound of the confidence interval of the delta (never below −1)' }) lower: number;
  @ApiProperty({ description: 'Upper bound of the confidence interval of the delta (never above 1)' }) upper: number;
  @ApiProperty({ description: 'Confidence level of the interval (1 − alpha)' }) confidence: number;
  @ApiProperty({
    enum: ['newcombe_paired_score'],
    description:
      "The interval method: Newcombe's score interval for the difference of two paired rates. With no paired case the rates, delta and bounds are all 0",
  })
  method: 'newcombe_paired_score';
}

export class CompareBootstrapIntervalView {
  @ApiProperty({ description: 'Observed mean of the per-case quality score differences (candidate − baseline); 0 without scored pairs' }) mean: number;
  @ApiProperty({ description: 'Lower bound of the percentile bootstrap interval of the mean difference' }) lower: number;
  @ApiProperty({ description: 'Upper bound of the percentile bootstrap interval of the mean difference' }) upper: number;
  @ApiProperty({ description: 'Confidence level of the interval (1 − alpha)' }) confidence: number;
  @ApiProperty({ type: 'integer', description: 'Resamples actually drawn (2,000, fewer for very large compares)' }) iterations: number;
  @ApiProperty({ type: 'integer', description: 'Seed of the resampling, derived from the two run ids: the same pair of runs always gets the same interval' })
  seed: number;
}

export class CompareQualityDeltaView {
  @ApiProperty({ type: 'integer', description: 'Paired cases with a quality score on both runs' }) paired_cases: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Mean quality score of the baseline over those cases; null when there are none' })
  baseline_average: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Mean quality score of the candidate over those cases; null when there are none' })
  candidate_average: number | null;
  @ApiProperty({ type: () => CompareBootstrapIntervalView, description: 'Bootstrap interval of the mean quality score difference' })
  bootstrap: CompareBootstrapIntervalView;
}

export class CompareDeltasView {
  @ApiProperty({ description: 'Confidence level of every interval of the compare (1 − alpha)' }) confidence: number;
  @ApiProperty({ type: () => CompareRateDeltaView, description: 'Share of cases whose answer was correct' }) answer_rate: CompareRateDeltaView;
  @ApiProperty({ type: () => CompareRateDeltaView, description: 'Share of cases whose sources were correct' }) source_rate: CompareRateDeltaView;
  @ApiProperty({ type: () => CompareRateDeltaView, description: 'Share of cases that passed' }) pass_rate: CompareRateDeltaView;
  @ApiProperty({ type: () => CompareQualityDeltaView, description: 'Quality score averages and the interval of their difference' })
  quality: CompareQualityDeltaView;
}

export class ComparePassFailTestView {
  @ApiProperty({ type: 'integer', description: 'Paired cases that passed on the baseline and failed on the candidate' }) regressions: number;
  @ApiProperty({ type: 'integer', description: 'Paired cases that failed on the baseline and passed on the candidate' }) improvements: number;
  @ApiProperty({ type: 'integer', description: 'Cases whose pass/fail outcome differs between the runs (regressions + improvements)' }) discordant: number;
  @ApiProperty({ description: 'Two-sided p-value of the exact McNemar test on the discordant pairs; 1 when there are none' }) p_value: number;
  @ApiProperty({ enum: ['exact_binomial'], description: 'The test: exact binomial on the discordant pairs (each a fair coin when nothing changed)' })
  method: 'exact_binomial';
  @ApiProperty({ type: 'integer', description: 'Paired cases that passed on both runs' }) both_pass: number;
  @ApiProperty({ type: 'integer', description: 'Paired cases that failed on both runs' }) both_fail: number;
}

export class CompareSignedRankTestView {
  @ApiProperty({ type: 'integer', description: 'Paired quality score differences tested' }) n: number;
  @ApiProperty({ type: 'integer', description: 'Differences that are not zero (the ones ranked; equal scores say nothing about direction)' })
  n_nonzero: number;
  @ApiProperty({ description: 'Sum of the ranks of the differences where the candidate scored higher' }) w_plus: number;
  @ApiProperty({ description: 'Sum of the ranks of the differences where the candidate scored lower' }) w_minus: number;
  @ApiProperty({ description: 'The test statistic: w_plus' }) statistic: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Continuity-corrected z score under the normal approximation; null when the p-value is exact' })
  z: number | null;
  @ApiProperty({ description: 'Two-sided p-value of the Wilcoxon signed-rank test on the quality score differences; 1 when none is nonzero' })
  p_value: number;
  @ApiProperty({
    enum: ['exact', 'normal_approximation'],
    description: 'exact up to 25 nonzero differences (every sign pattern counted), normal_approximation above',
  })
  method: 'exact' | 'normal_approximation';
}

export class CompareSignTestView {
  @ApiProperty({ type: 'integer', description: 'Paired cases where the candidate scored higher' }) positive: number;
  @ApiProperty({ type: 'integer', description: 'Paired cases where the candidate scored lower' }) negative: number;
  @ApiProperty({ type: 'integer', description: 'Paired cases with equal scores (set aside)' }) zeros: number;
  @ApiProperty({ description: 'Two-sided p-value of the sign test: are higher and lower scores equally likely' }) p_value: number;
}

export class CompareScoreTestsView {
  @ApiProperty({ type: 'integer', description: 'Paired cases with a quality score on both runs' }) paired_cases: number;
  @ApiProperty({ type: () => CompareSignedRankTestView, description: 'Wilcoxon signed-rank test of the quality score differences' })
  wilcoxon: CompareSignedRankTestView;
  @ApiProperty({ type: () => CompareSignTestView, description: 'Sign test of the quality score differences' }) sign_test: CompareSignTestView;
  @ApiProperty({
    type: () => CompareBootstrapIntervalView,
    description: 'Bootstrap interval of the mean quality score difference (the same as deltas.quality.bootstrap)',
  })
  bootstrap_mean_difference: CompareBootstrapIntervalView;
}

export class CompareStatisticsView {
  @ApiProperty({ type: () => ComparePassFailTestView, description: 'Exact McNemar test of the pass/fail outcomes, with the four counts of the paired table' })
  pass_fail: ComparePassFailTestView;
  @ApiProperty({ type: () => CompareScoreTestsView, description: 'Paired tests of the quality scores' }) scores: CompareScoreTestsView;
}
