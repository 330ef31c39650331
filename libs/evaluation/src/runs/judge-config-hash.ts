import { createHash } from 'node:crypto';
import type { RunConfig, RunJudgeConfig, RunProfileSnapshot } from '@greenlight/contracts';
import type { EvalProfileView } from '@greenlight/accounts';
import { canonicalJson } from '@greenlight/platform';

// One fingerprint of everything that decides how a run's results are judged: the judge mode, its model,
// its prompt version and the eval profile as the run froze it. Two runs with the same hash were judged
// alike, so their scores can be compared and a judge calibrated on one still holds for the other.

/** What a run's judge is asked for: the mode (deterministic when absent) and, for the provider judge, its model. */
export interface JudgeChoice {
  judge_mode?: 'deterministic' | 'provider';
  judge_model?: string;
}

/** The judge a run freezes: the provider judge uses the asked model, else the server's default model. */
export function freezeJudge(choice: JudgeChoice, defaultModel: string): RunJudgeConfig {
  const mode = choice.judge_mode ?? 'deterministic';
  return {
    mode,
    model: mode === 'provider' ? (choice.judge_model ?? defaultModel) : null,
    prompt_version: mode === 'provider' ? 'provider-v1' : 'deterministic-v1',
  };
}

/** The eval profile as a run freezes it. */
export function snapshotProfile(profile: EvalProfileView): RunProfileSnapshot {
  return {
    id: profile.id,
    name: profile.name,
    version: profile.version,
    dimensions: profile.dimensions,
    scoring_scale: profile.scoring_scale,
    issue_tags: profile.issue_tags,
  };
}

/** SHA-256 (hex) of the run's judge and profile snapshot in canonical JSON: key order does not matter. */
export function judgeConfigHash(config: Pick<RunConfig, 'judge' | 'profile'>): string {
  const judged = { judge: config.judge, profile: config.profile };
  return createHash('sha256').update(canonicalJson(judged)).digest('hex');
}

/**
 * The hash the agent's next run would get: its eval profile as resolved now (`EvalProfilesService.resolveForAgent`),
 * the judge asked for, and the server's default provider model (`EVAL_JUDGE_MODEL`).
 */
export function currentJudgeConfigHash(profile: EvalProfileView, choice: JudgeChoice, defaultModel: string): string {
  return judgeConfigHash({ judge: freezeJudge(choice, defaultModel), profile: snapshotProfile(profile) });
}
