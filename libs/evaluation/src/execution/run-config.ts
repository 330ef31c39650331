import type { ExecutorConfig } from '../agent-calls/executors';
import type { JudgeConfig, ProfileSnapshot } from '@greenlight/judging';

/** Gates checked before a run executes (step 120). */
export interface RunGates {
  require_golden_set_quality_gate: boolean;
  min_active_case_count: number;
  min_verified_case_ratio: number;
}

/**
 * Everything a run needs, frozen when it is created: later edits to the agent, the profile, the
 * template or the golden set do not change a run in flight.
 */
export interface RunConfig {
  golden_set_version: number;
  /** Cases active at this instant are the run's cases. */
  cases_as_of: string;
  judge: JudgeConfig;
  executor: ExecutorConfig;
  profile: ProfileSnapshot;
  gates: RunGates;
}

/** SQL condition selecting the cases of a run: `$asOf` is the run's cases_as_of. */
export const CASES_AS_OF_SQL = `c.created_at <= :asOf AND (c.superseded_at IS NULL OR c.superseded_at > :asOf)`;

/** CASES_AS_OF_SQL with a positional parameter, for plain queries. */
export function asOfSql(param: string): string {
  return CASES_AS_OF_SQL.replace(/:asOf\b/g, param);
}
