import { binomialTestHalf } from './binomial';
import { assertFiniteValues, cleanDifference } from './validate';

export interface SignTestResult {
  positive: number;
  negative: number;
  zeros: number;
  p_value: number;
}

/**
 * Two-sided sign test on paired differences (candidate − baseline): zero differences are set aside (they say
 * nothing about direction; |d| < 1e-12 counts as zero, see cleanDifference) and the positive count is tested against Bin(positive + negative, 1/2).
 */
export function signTest(differences: number[]): SignTestResult {
  assertFiniteValues(differences, 'differences');
  let positive = 0;
  let negative = 0;
  let zeros = 0;
  for (const raw of differences) {
    const d = cleanDifference(raw);
    if (d > 0) positive++;
    else if (d < 0) negative++;
    else zeros++;
  }
  return { positive, negative, zeros, p_value: binomialTestHalf(positive, positive + negative) };
}
