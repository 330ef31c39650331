import type { ProfileDimension, ProfileScoringScale } from '@greenlight/database';
import type { EvaluationMode } from '@greenlight/golden-sets';

/** The eval profile as a run froze it at creation: later edits to the profile do not change the run. */
export interface ProfileSnapshot {
  id: string;
  name: string;
  version: number;
  dimensions: ProfileDimension[];
  scoring_scale: ProfileScoringScale;
  issue_tags: string[];
}

/** What a judge sees for one case. */
export interface JudgeInput {
  mode: EvaluationMode;
  case: {
    input: string;
    expected_answer: string | null;
    expected_sources: string[];
    criteria: string | null;
    /** Dimension keys to score in criteria mode; empty = the profile's required dimensions. */
    dimensions: string[];
  };
  actual: { output: string; sources: string[] };
  profile: ProfileSnapshot;
}

/** A judge's scores for one case. Null fields do not apply to the case's mode. */
export interface JudgeVerdict {
  /** Answer mode: does the output match the expected answer. */
  answer_correct: boolean | null;
  /** Answer mode with expected sources: were the right sources cited. Null when none are expected. */
  source_correct: boolean | null;
  /** Overall quality on the profile's quality scale (built-ins: 1–5). */
  quality_score: number;
  /** Criteria mode: score per dimension key on the profile's criteria scale. */
  criteria_scores: Record<string, number> | null;
  /** Problems found, from the profile's issue-tag allow-list. */
  issue_tags: string[];
  reasoning: string;
}

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** How a verdict was reached, for the run's artifacts. */
export interface JudgeTrace {
  judge_input: unknown;
  judge_output: unknown;
  latency_ms: number;
  token_usage: TokenUsage | null;
  /** Provider response id when there is one. */
  response_id: string | null;
}

export interface JudgeResult {
  verdict: JudgeVerdict;
  trace: JudgeTrace;
}

/** The frozen judge configuration of a run. */
export interface JudgeConfig {
  mode: 'deterministic' | 'provider';
  /** Provider model name; null for the deterministic judge. */
  model: string | null;
  prompt_version: string;
}

/** One interface for every judge. */
export interface Judge {
  readonly mode: JudgeConfig['mode'];
  readonly model: string | null;
  readonly prompt_version: string;
  /** SHA-256 of the prompt template (or of the deterministic rules' version string). */
  readonly prompt_hash: string;
  judge(input: JudgeInput): Promise<JudgeResult>;
}
