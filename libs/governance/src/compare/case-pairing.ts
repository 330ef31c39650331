/**
 * How two runs are lined up case by case, and what counts as a regression. Pure functions over the
 * per-case outcomes of each run, so the rules can be tested without a database.
 */

/** One case of one run, aggregated over its trials (a run without repeated trials has one per case). */
export interface CaseOutcome {
  case_id: string;
  trials: number;
  /** Share of the case's trials that passed (0 or 1 with a single trial). */
  pass_rate: number;
  /** More than half of the trials passed (with one trial: the trial passed). */
  passed: boolean;
  /** Mean quality score over the judged (scored) trials; null when no trial was judged. */
  quality_score: number | null;
  /** Majority answer / source correctness over the trials that have one; null when none has. */
  answer_correct: boolean | null;
  source_correct: boolean | null;
}

/** A baseline case and the candidate case it is compared with (the same case, or its successor). */
export interface CasePair {
  baseline: CaseOutcome;
  candidate: CaseOutcome;
  /** True when the candidate case is a successor of the baseline case (or the other way round) in the golden set. */
  via_lineage: boolean;
}

export interface Pairing {
  pairs: CasePair[];
  baseline_only: string[];
  candidate_only: string[];
}

/** Scores are stored with two decimals; anything closer than this is the same score. */
const SCORE_EPSILON = 1e-9;

/**
 * Follows `superseded_by` links to the newest version of a case. `successor` maps a case id to the
 * case that replaced it; a chain is followed to its end (a cycle, which the golden-set rules forbid,
 * stops the walk).
 */
export function newestVersion(caseId: string, successor: Map<string, string>): string {
  let current = caseId;
  const seen = new Set<string>([current]);
  for (let next = successor.get(current); next !== undefined && !seen.has(next); next = successor.get(current)) {
    seen.add(next);
    current = next;
  }
  return current;
}

/**
 * Pairs cases by case id first. A case left over on one side is then paired with a case of the other
 * side of the same lineage: both lead, through `superseded_by`, to the same newest version. So a
 * baseline run of an old case version compares with a candidate run of its replacement. Each case is
 * used at most once; what cannot be paired is reported as unpaired.
 */
export function pairCases(baseline: CaseOutcome[], candidate: CaseOutcome[], successor: Map<string, string>): Pairing {
  const candidateById = new Map<string, CaseOutcome>();
  for (const c of candidate) candidateById.set(c.case_id, c);
  const pairs: CasePair[] = [];
  const leftOver: CaseOutcome[] = [];
  for (const b of baseline) {
    const c = candidateById.get(b.case_id);
    if (c) {
      pairs.push({ baseline: b, candidate: c, via_lineage: false });
      candidateById.delete(b.case_id);
    } else leftOver.push(b);
  }
  if (leftOver.length === 0 || candidateById.size === 0 || successor.size === 0) {
    return { pairs, baseline_only: leftOver.map((b) => b.case_id), candidate_only: [...candidateById.keys()] };
  }
  const candidateByLineage = new Map<string, CaseOutcome>();
  for (const c of candidateById.values()) {
    const head = newestVersion(c.case_id, successor);
    if (!candidateByLineage.has(head)) candidateByLineage.set(head, c);
  }
  const baselineOnly: string[] = [];
  for (const b of leftOver) {
    const head = newestVersion(b.case_id, successor);
    const c = candidateByLineage.get(head);
    if (c) {
      pairs.push({ baseline: b, candidate: c, via_lineage: true });
      candidateByLineage.delete(head);
      candidateById.delete(c.case_id);
    } else baselineOnly.push(b.case_id);
  }
  return { pairs, baseline_only: baselineOnly, candidate_only: [...candidateById.keys()] };
}

export type CaseChangeKind = 'pass_rate' | 'quality_score';

/**
 * How a pair changed from baseline to candidate, or null when it did not:
 * - a lower (higher) pass rate is a regression (improvement) decided by pass/fail — with one trial per
 *   case: the baseline passed and the candidate failed (or the other way round);
 * - with the same pass rate, when both cases were judged, a lower (higher) mean quality score is a
 *   regression (improvement) decided by the score.
 * A case is therefore never both a regression and an improvement.
 */
export function classifyPair(pair: CasePair): { direction: 'regression' | 'improvement'; kind: CaseChangeKind } | null {
  const { baseline: b, candidate: c } = pair;
  if (c.pass_rate < b.pass_rate) return { direction: 'regression', kind: 'pass_rate' };
  if (c.pass_rate > b.pass_rate) return { direction: 'improvement', kind: 'pass_rate' };
  if (b.quality_score === null || c.quality_score === null) return null;
  if (c.quality_score < b.quality_score - SCORE_EPSILON) return { direction: 'regression', kind: 'quality_score' };
  if (c.quality_score > b.quality_score + SCORE_EPSILON) return { direction: 'improvement', kind: 'quality_score' };
  return null;
}

/** Counts of a paired yes/no outcome: the four cells of the 2×2 table. */
export interface PairedCounts {
  both_pass: number;
  regressions: number;
  improvements: number;
  both_fail: number;
}

/** The 2×2 table of a yes/no outcome over the pairs where both sides have it. */
export function pairedCounts(pairs: CasePair[], pick: (o: CaseOutcome) => boolean | null): PairedCounts {
  const counts: PairedCounts = { both_pass: 0, regressions: 0, improvements: 0, both_fail: 0 };
  for (const p of pairs) {
    const b = pick(p.baseline);
    const c = pick(p.candidate);
    if (b === null || c === null) continue;
    if (b && c) counts.both_pass += 1;
    else if (b) counts.regressions += 1;
    else if (c) counts.improvements += 1;
    else counts.both_fail += 1;
  }
  return counts;
}

/** Candidate minus baseline quality score of every pair where both cases were judged. */
export function scoreDifferences(pairs: CasePair[]): number[] {
  const diffs: number[] = [];
  for (const p of pairs) {
    if (p.baseline.quality_score !== null && p.candidate.quality_score !== null) diffs.push(p.candidate.quality_score - p.baseline.quality_score);
  }
  return diffs;
}
