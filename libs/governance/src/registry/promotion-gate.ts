import type { CompareVerdict } from '@greenlight/database';
import type { PromotionGateMode } from './registry.types';

/** The stored compare of the (active baseline, candidate) pair the gate reads: the newest one. */
export interface GateCompare {
  id: string;
  regression_count: number;
  verdict: CompareVerdict;
  /** `deltas.pass_rate.lower`: the lower bound of the candidate-minus-baseline pass-rate interval. */
  pass_rate_lower: number | null;
  created_at: Date;
}

export interface GateRules {
  mode: PromotionGateMode;
  window_minutes: number;
  non_inferiority_margin: number;
  /** Now, as the product's clock tells it. */
  now: Date;
}

export type GateRefusal =
  'no_compare' | 'compare_outside_window' | 'regressions_found' | 'verdict_regressed' | 'pass_rate_interval_missing' | 'non_inferiority_not_shown';

export type GateDecision = { allowed: true } | { allowed: false; reason: GateRefusal; message: string };

/**
 * Whether a stored compare lets the candidate replace the baseline. It must be recent (inside the
 * window) and clean: no regressed case by default; in significance mode, a verdict other than
 * `regressed` and a pass-rate interval whose lower bound stays above minus the margin (the candidate is
 * shown to be at most `margin` worse, which a count of zero regressions alone cannot show).
 */
export function decidePromotion(compare: GateCompare | null, rules: GateRules): GateDecision {
  if (!compare) return refuse('no_compare', 'no stored compare of the active baseline and this candidate; run a compare first');
  const cutoff = rules.now.getTime() - rules.window_minutes * 60_000;
  if (compare.created_at.getTime() < cutoff) {
    return refuse('compare_outside_window', `the newest compare of this pair is older than ${rules.window_minutes} minutes; compare again`);
  }
  if (rules.mode === 'regression_count') {
    if (compare.regression_count > 0) return refuse('regressions_found', `the compare found ${compare.regression_count} regressed case(s)`);
    return { allowed: true };
  }
  if (compare.verdict === 'regressed') return refuse('verdict_regressed', 'the compare found a significant regression');
  if (compare.pass_rate_lower === null) return refuse('pass_rate_interval_missing', 'the compare has no pass-rate confidence interval');
  if (compare.pass_rate_lower < -rules.non_inferiority_margin) {
    return refuse(
      'non_inferiority_not_shown',
      `the pass-rate interval reaches ${compare.pass_rate_lower}, below the non-inferiority margin of -${rules.non_inferiority_margin}`,
    );
  }
  return { allowed: true };
}

function refuse(reason: GateRefusal, message: string): GateDecision {
  return { allowed: false, reason, message };
}
