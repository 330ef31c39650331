import type { EvalRunEntity, RunStatus, RunType } from '@greenlight/database';
import type { RunConfig } from '@greenlight/contracts';
import type { CaseTrialRate } from './trial-agreement';
import type { RunUsage } from './run-usage';

// What the API shows of runs: the run itself, its rates and its summary.

export interface RunRates {
  result_count: number;
  /** Cases whose agent call failed; the answer/source/quality rates cover the other cases only. */
  error_count: number;
  error_rate: number;
  answer_correct_rate: number;
  source_correct_rate: number;
  quality_pass_rate: number;
  pass_rate: number;
}

export interface RunView {
  id: string;
  org_id: string;
  agent_id: string;
  golden_set_id: string;
  template_id: string | null;
  name: string;
  run_type: RunType;
  status: RunStatus;
  config: RunConfig;
  /** Fingerprint of the judge and profile the run froze (see judgeConfigHash); null on runs older than it. */
  judge_config_hash: string | null;
  design_context: Record<string, unknown>;
  total_cases: number;
  completed_cases: number;
  /** Results stored for the run: the counter every result write moves in the same statement (free to read). */
  result_count: number;
  progress: number;
  failure_code: string | null;
  failure_reason: string | null;
  started_at: Date | null;
  completed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface AgentLatestView {
  agent_id: string;
  agent_name: string;
  /** The most recent eval run of the agent with its rates; null until the agent has runs. */
  latest_run: (RunView & { rates: RunRates }) | null;
}

export interface RunSummary {
  run_id: string;
  status: RunStatus;
  judge_config_hash: string | null;
  total_cases: number;
  result_count: number;
  scored_count: number;
  error_count: number;
  answer: { evaluated: number; correct: number; rate: number };
  source: { evaluated: number; correct: number; rate: number };
  quality: { evaluated: number; average_score: number; pass_count: number; pass_rate: number; pass_threshold: number };
  passed_count: number;
  pass_rate: number;
  by_mode: { answer: number; criteria: number };
  /** True when reviewers' overrides replace the judge's values in the counts and rates. */
  as_reviewed: boolean;
  /** Only for a run of more than one trial per case (see TrialAgreement). */
  trials?: number;
  case_pass_rates?: CaseTrialRate[];
  flaky_cases?: CaseTrialRate[];
  /** What the run spent: agent calls, judge calls, tokens, estimated cost, and its budget if it has one. */
  usage: RunUsage;
}

export interface ResultFilter {
  evaluation_mode?: 'answer' | 'criteria';
  status?: 'scored' | 'error';
  answer_correct?: boolean;
  source_correct?: boolean;
  passed?: boolean;
  min_quality_score?: number;
  max_quality_score?: number;
  case_id?: string;
  issue_tag?: string;
}

export function presentRun(r: EvalRunEntity): RunView {
  return {
    id: r.id,
    org_id: r.org_id,
    agent_id: r.agent_id,
    golden_set_id: r.golden_set_id,
    template_id: r.template_id,
    name: r.name,
    run_type: r.run_type,
    status: r.status,
    config: r.config,
    judge_config_hash: r.judge_config_hash,
    design_context: r.design_context,
    total_cases: r.total_cases,
    completed_cases: r.completed_cases,
    result_count: r.completed_cases,
    progress: r.total_cases === 0 ? 0 : Math.round((r.completed_cases / r.total_cases) * 10_000) / 10_000,
    failure_code: r.failure_code,
    failure_reason: r.failure_reason,
    started_at: r.started_at,
    completed_at: r.completed_at,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}
