import type { RunBudget, RunCalibrationThresholds, RunGates, RunJudgeConfig } from '@greenlight/contracts';
import { priceOf, TokenPrice } from '@greenlight/judging';
import { DomainError } from '@greenlight/platform';
import type { RunOptions } from './run-options';

// What a run keeps of the gates and the budget it was created with. Only what the request (or its
// template) gave is stored: a gate setting left out stays out of the run's config, so the agent's SLO
// policy can supply it when the run starts (see RunGatesCheck), and runs created before a setting
// existed read the same as runs that did not ask for it.

/**
 * The run's own gate settings. Runs created before gates became optional hold all three golden-set
 * settings; new runs hold only those they were given (the contract type still lists them as required,
 * hence the cast: every reader treats them as optional).
 */
export function storedGates(options: RunOptions): RunGates {
  const gates: RunGates = {};
  if (options.require_golden_set_quality_gate !== undefined) gates.require_golden_set_quality_gate = options.require_golden_set_quality_gate;
  if (options.min_active_case_count !== undefined) gates.min_active_case_count = options.min_active_case_count;
  if (options.min_verified_case_ratio !== undefined) gates.min_verified_case_ratio = options.min_verified_case_ratio;
  if (options.require_calibration_gate !== undefined) gates.require_calibration_gate = options.require_calibration_gate;
  const calibration: Partial<RunCalibrationThresholds> = {};
  if (options.calibration_field !== undefined) calibration.field = options.calibration_field;
  if (options.min_calibration_agreement !== undefined) calibration.min_agreement = options.min_calibration_agreement;
  if (options.min_calibration_kappa !== undefined) calibration.min_kappa = options.min_calibration_kappa;
  if (options.max_calibration_age_days !== undefined) calibration.max_calibration_age_days = options.max_calibration_age_days;
  if (Object.keys(calibration).length > 0) gates.calibration = calibration;
  return gates;
}

/** The run's budget: the limits given (null ones dropped); undefined when none was. */
export function storedBudget(options: RunOptions): RunBudget | undefined {
  const b = options.budget;
  if (!b) return undefined;
  const budget: RunBudget = {};
  if (b.max_agent_calls !== undefined && b.max_agent_calls !== null) budget.max_agent_calls = b.max_agent_calls;
  if (b.max_judge_tokens !== undefined && b.max_judge_tokens !== null) budget.max_judge_tokens = b.max_judge_tokens;
  if (b.max_cost_usd !== undefined && b.max_cost_usd !== null) budget.max_cost_usd = b.max_cost_usd;
  return Object.keys(budget).length > 0 ? budget : undefined;
}

/**
 * A cost budget needs a price for the run's judge model: without one the run's spending could not be
 * told, and the limit would never hold. The deterministic judge costs nothing (any cost budget holds).
 */
export function assertBudgetPriced(budget: RunBudget | undefined, judge: RunJudgeConfig, prices: Record<string, TokenPrice>): void {
  if (budget?.max_cost_usd === undefined || budget.max_cost_usd === null || judge.mode !== 'provider') return;
  if (priceOf(prices, judge.model)) return;
  throw DomainError.validation(`budget.max_cost_usd needs a price for the judge model "${judge.model}" (EVAL_JUDGE_PRICES)`, [
    { field: 'budget.max_cost_usd', messages: [`the judge model "${judge.model}" has no price configured`] },
  ]);
}
