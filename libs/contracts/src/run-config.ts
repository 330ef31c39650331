// The configuration an eval run freezes when it is created (`eval_runs.config`, jsonb): later edits to
// the agent, its eval profile, the template or the golden set do not change a run in flight. Plain
// types, shared by the database entity and the evaluation engine.

/** How the agent of a run is called: simulated answers, or an HTTP call to its endpoint. */
export type RunExecutorMode = 'simulated' | 'agent_http';
/** The mode asked for; `auto` is resolved when the run is created (the endpoint if the agent has one). */
export type RequestedRunExecutorMode = RunExecutorMode | 'auto';

/** Where the output and the sources are in the agent's answer (dot paths), when not under the usual keys. */
export interface RunResponseMapping {
  output_path?: string | null;
  sources_path?: string | null;
}

export interface RunExecutorConfig {
  requested_mode: RequestedRunExecutorMode;
  mode: RunExecutorMode;
  /** The agent endpoint as it was when the run was created. */
  endpoint: string | null;
  timeout_ms: number;
  mapping: RunResponseMapping;
}

export interface RunJudgeConfig {
  mode: 'deterministic' | 'provider';
  /** Provider model name; null for the deterministic judge. */
  model: string | null;
  prompt_version: string;
}

export interface RunProfileDimension {
  key: string;
  name: string;
  description: string;
  weight: number;
  required: boolean;
}

export interface RunScoringScale {
  criteria: { type: 'likert'; min: number; max: number };
  quality: { type: 'likert'; min: number; max: number };
  answer: { type: 'binary'; values: string[] };
  source: { type: 'binary'; values: string[] };
  /** Quality score at or above which a result counts as passing. */
  pass_threshold: number;
}

/** The eval profile as the run froze it. */
export interface RunProfileSnapshot {
  id: string;
  name: string;
  version: number;
  dimensions: RunProfileDimension[];
  scoring_scale: RunScoringScale;
  issue_tags: string[];
}

/** Gates checked before the run executes. */
export interface RunGates {
  /** Absent on runs created without the option: the agent's SLO policy decides (absent there too: not required). */
  require_golden_set_quality_gate?: boolean;
  min_active_case_count?: number;
  min_verified_case_ratio?: number;
  /**
   * Refuse to execute while the agent's judge calibration does not pass the calibration gate. Absent:
   * the agent's SLO policy decides (absent there too: not required).
   */
  require_calibration_gate?: boolean;
  /** The calibration gate's thresholds; absent fields come from the SLO policy, then the defaults. */
  calibration?: Partial<RunCalibrationThresholds>;
}

/** What a calibration must reach for the calibration gate to pass. */
export interface RunCalibrationThresholds {
  /** The agreement field measured: `passed`, `answer_correct`, `source_correct` or `quality_score`. */
  field: string;
  min_agreement: number;
  min_kappa: number;
  max_calibration_age_days: number;
}

/** Limits on what one run may spend; a run that reaches one fails with EVAL_RUN_BUDGET_EXCEEDED. */
export interface RunBudget {
  max_agent_calls?: number | null;
  max_judge_tokens?: number | null;
  max_cost_usd?: number | null;
}

export interface RunConfig {
  golden_set_version: number;
  /** Cases active at this instant (ISO 8601) are the run's cases. */
  cases_as_of: string;
  judge: RunJudgeConfig;
  executor: RunExecutorConfig;
  profile: RunProfileSnapshot;
  gates: RunGates;
  /**
   * How many times each case is executed and judged (1 to 10). Absent on runs created before repeated
   * trials existed, which ran every case once.
   */
  trials?: number;
  /** Absent on runs created before budgets existed, and on runs without one. */
  budget?: RunBudget;
}

/** Most trials a run may ask for. */
export const MAX_RUN_TRIALS = 10;

/** How many times the run executes each case. */
export function runTrials(config: Pick<RunConfig, 'trials'>): number {
  return config.trials ?? 1;
}
