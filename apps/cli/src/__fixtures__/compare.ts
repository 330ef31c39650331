import type { CompareResult, RateDelta } from '../compare-view';

const rate = (baseline: number, candidate: number, lower: number, upper: number, paired = 40): RateDelta => ({
  paired_cases: paired,
  baseline,
  candidate,
  delta: Number((candidate - baseline).toFixed(6)),
  lower,
  upper,
  confidence: 0.95,
  method: 'newcombe_paired_score',
});

const caseResult = (id: string, passed: boolean, score: number) => ({
  case_id: id,
  trials: 1,
  pass_rate: passed ? 1 : 0,
  passed,
  quality_score: score,
  answer_correct: passed,
  source_correct: true,
});

/** A stored compare of 40 paired cases: 36 → 32 passing, 4 regressions and no improvement. */
export function compareFixture(overrides: Partial<CompareResult> = {}): CompareResult {
  const regressions = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'].map((id) => ({
    case_id: id,
    candidate_case_id: id,
    paired_by_lineage: false,
    decided_by: 'pass_rate' as const,
    quality_score_delta: -0.6,
    baseline: caseResult(id, true, 0.9),
    candidate: caseResult(id, false, 0.3),
  }));
  const summary = (runId: string, passRate: number) => ({
    run_id: runId,
    status: 'completed' as const,
    judge_config_hash: 'a'.repeat(64),
    total_cases: 40,
    result_count: 40,
    scored_count: 40,
    error_count: 0,
    answer: { evaluated: 40, correct: Math.round(passRate * 40), rate: passRate },
    source: { evaluated: 40, correct: 40, rate: 1 },
    quality: { evaluated: 40, average_score: 0.8, pass_count: 32, pass_rate: 0.8, pass_threshold: 0.7 },
    passed_count: Math.round(passRate * 40),
    pass_rate: passRate,
    by_mode: { answer: 40, criteria: 0 },
    as_reviewed: false,
    usage: {
      agent_calls: 40,
      judge_calls: 0,
      judge_cache_hits: 0,
      judge_prompt_tokens: 0,
      judge_completion_tokens: 0,
      judge_total_tokens: 0,
      estimated_cost_usd: 0,
      unpriced_judge_calls: 0,
    },
    golden_set_id: '99999999-9999-4999-8999-999999999999',
  });
  const boot = { mean: -0.06, lower: -0.12, upper: -0.01, confidence: 0.95, iterations: 2000, seed: 7 };
  return {
    id: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc',
    created_at: '2026-12-03T10:00:00.000Z',
    stored: true,
    org_id: 'oooooooo-oooo-4ooo-8ooo-oooooooooooo',
    agent_id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    mode: 'direct',
    baseline_ref: null,
    candidate_ref: null,
    baseline_run_id: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
    candidate_run_id: 'dddddddd-dddd-4ddd-8ddd-dddddddddddd',
    alpha: 0.05,
    verdict: 'no_significant_change',
    verdict_reason: 'McNemar p = 0.125 ≥ alpha',
    baseline: summary('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 0.9),
    candidate: summary('dddddddd-dddd-4ddd-8ddd-dddddddddddd', 0.8),
    compared_case_count: 40,
    paired_by_lineage_count: 0,
    unpaired_case_count: 0,
    unpaired_case_ids: { baseline_only: [], candidate_only: [], truncated: false },
    regression_count: 4,
    improvement_count: 0,
    regressions,
    regressions_truncated: false,
    improvements: [],
    improvements_truncated: false,
    deltas: {
      confidence: 0.95,
      answer_rate: rate(0.9, 0.8, -0.2, 0.01),
      source_rate: rate(1, 1, -0.08, 0.08),
      pass_rate: rate(0.9, 0.8, -0.2, 0.01),
      quality: { paired_cases: 40, baseline_average: 0.85, candidate_average: 0.79, bootstrap: boot },
    },
    statistics: {
      pass_fail: { regressions: 4, improvements: 0, discordant: 4, p_value: 0.125, method: 'exact_binomial', both_pass: 32, both_fail: 4 },
      scores: {
        paired_cases: 40,
        wilcoxon: { n: 40, n_nonzero: 6, w_plus: 2, w_minus: 19, statistic: 2, z: -2.03, p_value: 0.0421, method: 'normal_approximation' },
        sign_test: { positive: 1, negative: 5, zeros: 34, p_value: 0.0703 },
        bootstrap_mean_difference: boot,
      },
    },
    pattern: null,
    remediation: null,
    notification: null,
    ...overrides,
  };
}
