import type { McNemarResult } from './mcnemar';
import type { SignedRankResult } from './wilcoxon';

export type Verdict = 'regressed' | 'improved' | 'no_significant_change' | 'inconclusive';

export interface VerdictInput {
  pass: McNemarResult | null;
  scores: SignedRankResult | null;
  paired_cases: number;
  alpha: number;
}

/** Below this many paired cases no test can say anything useful, whatever the data look like. */
export const MIN_PAIRED_CASES = 5;

type Direction = 'worse' | 'better';

interface Finding {
  measure: string;
  direction: Direction;
  p: number;
}

/**
 * Turns the pass/fail test (exact McNemar) and the score test (Wilcoxon signed-rank) into one verdict:
 * - inconclusive: fewer than 5 paired cases, or neither test was run (no evidence at all);
 * - regressed: at least one test has p < alpha and points to the candidate being worse (fewer passes:
 *   regressions > improvements; lower scores: W− > W+). A significant regression on either measure wins even if
 *   the other measure improved — a release gate should err toward stopping a bad candidate;
 * - improved: at least one test has p < alpha pointing to better, and none points to worse;
 * - no_significant_change: otherwise (including identical runs: no discordant pairs and no score differences).
 * Each test runs at level alpha; there is no multiplicity adjustment across the two measures.
 */
export function decideVerdict(input: VerdictInput): { verdict: Verdict; reason: string } {
  if (!(input.alpha > 0 && input.alpha < 1)) throw new RangeError(`alpha must be between 0 and 1, got ${input.alpha}`);
  if (input.paired_cases < MIN_PAIRED_CASES) {
    return { verdict: 'inconclusive', reason: `only ${input.paired_cases} paired case(s); at least ${MIN_PAIRED_CASES} are needed to judge a change` };
  }
  if (!input.pass && !input.scores) return { verdict: 'inconclusive', reason: 'neither pass/fail outcomes nor scores were available to compare' };
  const findings = significantFindings(input);
  const worse = findings.filter((f) => f.direction === 'worse');
  if (worse.length > 0) return { verdict: 'regressed', reason: describe(worse, input.alpha) };
  if (findings.length > 0) return { verdict: 'improved', reason: describe(findings, input.alpha) };
  return { verdict: 'no_significant_change', reason: `no measure changed significantly (alpha ${input.alpha}); ${summarise(input)}` };
}

function significantFindings(input: VerdictInput): Finding[] {
  const findings: Finding[] = [];
  const { pass, scores, alpha } = input;
  if (pass && pass.p_value < alpha && pass.regressions !== pass.improvements) {
    findings.push({
      measure: `pass rate (${pass.regressions} regressed, ${pass.improvements} improved cases)`,
      direction: pass.regressions > pass.improvements ? 'worse' : 'better',
      p: pass.p_value,
    });
  }
  if (scores && scores.p_value < alpha && scores.w_plus !== scores.w_minus) {
    findings.push({
      measure: `scores (W+ ${scores.w_plus}, W− ${scores.w_minus} over ${scores.n_nonzero} changed cases)`,
      direction: scores.w_minus > scores.w_plus ? 'worse' : 'better',
      p: scores.p_value,
    });
  }
  return findings;
}

function describe(findings: readonly Finding[], alpha: number): string {
  return findings.map((f) => `${f.measure} ${f.direction === 'worse' ? 'got worse' : 'got better'}, p = ${formatP(f.p)} < ${alpha}`).join('; ');
}

function summarise(input: VerdictInput): string {
  const parts: string[] = [];
  if (input.pass) parts.push(`pass rate p = ${formatP(input.pass.p_value)}`);
  if (input.scores) parts.push(`scores p = ${formatP(input.scores.p_value)}`);
  return parts.join(', ');
}

function formatP(p: number): string {
  return p < 1e-4 ? p.toExponential(2) : p.toFixed(4);
}
