import type { Schemas } from '@greenlight/sdk';

/** A rate over the paired cases: both sides, their difference and its confidence interval. */
export interface RateDelta {
  paired_cases: number;
  baseline: number;
  candidate: number;
  delta: number;
  lower: number;
  upper: number;
  confidence: number;
}

interface Interval {
  mean: number;
  lower: number;
  upper: number;
  confidence: number;
}

/** The compare as the CLI reads it: the API's CompareView with its deltas and statistics spelled out. */
export type CompareResult = Omit<Schemas['CompareView'], 'deltas' | 'statistics'> & {
  deltas: {
    confidence: number;
    answer_rate: RateDelta;
    source_rate: RateDelta;
    pass_rate: RateDelta;
    quality: { paired_cases: number; baseline_average: number | null; candidate_average: number | null; bootstrap: Interval };
  };
  statistics: {
    pass_fail: { regressions: number; improvements: number; discordant: number; p_value: number; both_pass: number; both_fail: number };
    scores: { paired_cases: number; wilcoxon: { p_value: number; method: string }; sign_test: { p_value: number }; bootstrap_mean_difference: Interval };
  };
};

export const asCompareResult = (view: Schemas['CompareView']): CompareResult => view as unknown as CompareResult;
