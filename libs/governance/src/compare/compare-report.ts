import type { CompareVerdict } from '@greenlight/database';
import type { RunSummary } from '@greenlight/evaluation';
import { CasePair, CaseOutcome, classifyPair, CaseChangeKind, Pairing } from './case-pairing';
import { analysePairs } from './compare-statistics';
import type { ResolvedRuns } from './compare-runs';

/** At most this many regressions (and improvements) are listed per compare; the counts are always complete. */
export const CASE_LIST_CAP = 1000;
/** At most this many unpaired case ids are listed per side. */
export const UNPAIRED_LIST_CAP = 100;

export type CaseResult = Omit<CaseOutcome, 'case_id'> & { case_id: string };

/** One case that changed, with both results. `case_id` is the baseline's; `candidate_case_id` differs when paired by lineage. */
export interface CaseChange {
  case_id: string;
  candidate_case_id: string;
  paired_by_lineage: boolean;
  /** What decided it: the pass rate moved, or (same pass rate) the judged score moved. */
  decided_by: CaseChangeKind;
  quality_score_delta: number | null;
  baseline: CaseResult;
  candidate: CaseResult;
}

/** What a compare produces before it is stored (id, pattern, remediation and notification come from the store). */
export type CompareAnalysis = ReturnType<typeof buildAnalysis>;

export interface CompareOutcomeFields {
  id: string | null;
  created_at: string | null;
  stored: boolean;
  pattern: { id: string; action: 'created' | 'reused' } | null;
  remediation: { auto_closed: number; updated_patterns: string[]; resolved_slo_violations: string[] } | null;
  notification: { event_type: 'regression_detected'; queued_deliveries: number } | null;
}

export type CompareBody = CompareOutcomeFields & CompareAnalysis;

function change(pair: CasePair, kind: CaseChangeKind): CaseChange {
  const { baseline: b, candidate: c } = pair;
  return {
    case_id: b.case_id,
    candidate_case_id: c.case_id,
    paired_by_lineage: pair.via_lineage,
    decided_by: kind,
    quality_score_delta: b.quality_score === null || c.quality_score === null ? null : Math.round((c.quality_score - b.quality_score) * 1e6) / 1e6,
    baseline: b,
    candidate: c,
  };
}

/** Regressions and improvements over all pairs: complete counts, lists capped at CASE_LIST_CAP in case-id order. */
export function caseChanges(pairs: CasePair[]) {
  const regressions: CaseChange[] = [];
  const improvements: CaseChange[] = [];
  let regressionCount = 0;
  let improvementCount = 0;
  for (const pair of pairs) {
    const c = classifyPair(pair);
    if (c === null) continue;
    if (c.direction === 'regression') {
      regressionCount += 1;
      if (regressions.length < CASE_LIST_CAP) regressions.push(change(pair, c.kind));
    } else {
      improvementCount += 1;
      if (improvements.length < CASE_LIST_CAP) improvements.push(change(pair, c.kind));
    }
  }
  return { regressionCount, improvementCount, regressions, improvements };
}

/** Pairs by baseline case id. They come in that order from the database; only pairs found through lineage are appended out of order. */
function inCaseOrder(pairs: CasePair[]): CasePair[] {
  if (!pairs.some((p) => p.via_lineage)) return pairs;
  return [...pairs].sort((a, b) => (a.baseline.case_id < b.baseline.case_id ? -1 : a.baseline.case_id > b.baseline.case_id ? 1 : 0));
}

export interface AnalysisInput {
  runs: ResolvedRuns;
  summaries: { baseline: RunSummary; candidate: RunSummary };
  pairing: Pairing;
  alpha: number;
  seed: number;
}

/** The evidence of a compare: summaries, counts, per-case changes, deltas, statistics and verdict. */
export function buildAnalysis({ runs, summaries, pairing, alpha, seed }: AnalysisInput) {
  const pairs = inCaseOrder(pairing.pairs);
  const changes = caseChanges(pairs);
  const evidence = analysePairs({ pairs, alpha, seed });
  const unpairedCount = pairing.baseline_only.length + pairing.candidate_only.length;
  return {
    org_id: runs.baseline.org_id,
    agent_id: runs.baseline.agent_id,
    mode: runs.mode,
    baseline_ref: runs.baseline_ref,
    candidate_ref: runs.candidate_ref,
    baseline_run_id: runs.baseline.id,
    candidate_run_id: runs.candidate.id,
    alpha,
    verdict: evidence.verdict as CompareVerdict,
    verdict_reason: evidence.verdict_reason,
    baseline: { ...summaries.baseline, golden_set_id: runs.baseline.golden_set_id },
    candidate: { ...summaries.candidate, golden_set_id: runs.candidate.golden_set_id },
    compared_case_count: pairs.length,
    paired_by_lineage_count: pairs.filter((p) => p.via_lineage).length,
    unpaired_case_count: unpairedCount,
    unpaired_case_ids: {
      baseline_only: pairing.baseline_only.slice(0, UNPAIRED_LIST_CAP),
      candidate_only: pairing.candidate_only.slice(0, UNPAIRED_LIST_CAP),
      truncated: pairing.baseline_only.length > UNPAIRED_LIST_CAP || pairing.candidate_only.length > UNPAIRED_LIST_CAP,
    },
    regression_count: changes.regressionCount,
    improvement_count: changes.improvementCount,
    regressions: changes.regressions,
    regressions_truncated: changes.regressionCount > changes.regressions.length,
    improvements: changes.improvements,
    improvements_truncated: changes.improvementCount > changes.improvements.length,
    deltas: evidence.deltas,
    statistics: evidence.statistics,
  };
}
