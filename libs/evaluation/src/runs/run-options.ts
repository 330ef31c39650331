import { ErrorCode, RunBudget } from '@greenlight/contracts';
import type { AgentEntity, RunType } from '@greenlight/database';
import { DomainError } from '@greenlight/platform';
import type { RequestedExecutorMode } from '../agent-calls/executors';
import type { EvalTemplateView } from '../templates/eval-templates.service';

/** Per-run knobs; a template's `config` holds the same fields. */
export interface RunOptions {
  judge_mode?: 'deterministic' | 'provider';
  judge_model?: string;
  executor_mode?: RequestedExecutorMode;
  agent_timeout_ms?: number;
  response_output_path?: string;
  response_sources_path?: string;
  require_golden_set_quality_gate?: boolean;
  min_active_case_count?: number;
  min_verified_case_ratio?: number;
  /** How many times each case is executed and judged (1 to 10, default 1). */
  trials?: number;
  /** Refuse to execute while the agent's judge calibration does not pass the calibration gate. */
  require_calibration_gate?: boolean;
  /** The calibration gate's thresholds (absent: the SLO policy's, then the gate's defaults). */
  calibration_field?: string;
  min_calibration_agreement?: number;
  min_calibration_kappa?: number;
  max_calibration_age_days?: number;
  /** Limits on what the run may spend (agent calls, judge tokens, estimated judge cost). */
  budget?: RunBudget;
}

export interface CreateRunInput extends RunOptions {
  agent_id: string;
  golden_set_id?: string;
  template_id?: string;
  name?: string;
  run_type?: RunType;
  design_context?: Record<string, unknown>;
}

/** What a run is created from once its template (if any) is applied. */
export interface RunRequest {
  options: RunOptions;
  golden_set_id: string | undefined;
  run_type: RunType;
  design_context: Record<string, unknown>;
}

const OPTION_KEYS: (keyof RunOptions)[] = [
  'judge_mode',
  'judge_model',
  'executor_mode',
  'agent_timeout_ms',
  'response_output_path',
  'response_sources_path',
  'require_golden_set_quality_gate',
  'min_active_case_count',
  'min_verified_case_ratio',
  'trials',
  'require_calibration_gate',
  'calibration_field',
  'min_calibration_agreement',
  'min_calibration_kappa',
  'max_calibration_age_days',
  'budget',
];

/** The run options present in `src` (a request or a template's config). */
export function pickOptions(src: RunOptions): RunOptions {
  const out: Record<string, unknown> = {};
  for (const k of OPTION_KEYS) if (src[k] !== undefined && src[k] !== null) out[k] = src[k];
  return out as RunOptions;
}

/** The request as given, without a template. */
export function requestOf(input: CreateRunInput): RunRequest {
  return {
    options: pickOptions(input),
    golden_set_id: input.golden_set_id,
    run_type: input.run_type ?? 'standard',
    design_context: input.design_context ?? {},
  };
}

/**
 * The request on top of a template: fields given override the template's. The template must fit the
 * agent (same org and agent type) and the run type asked for (EVAL_TEMPLATE_INCOMPATIBLE otherwise).
 */
export function applyTemplate(input: CreateRunInput, template: EvalTemplateView, agent: Pick<AgentEntity, 'org_id' | 'agent_type'>): RunRequest {
  const problems: string[] = [];
  if (template.org_id !== agent.org_id) problems.push('the template belongs to another org');
  if (template.agent_type !== agent.agent_type) problems.push(`the template is for ${template.agent_type} agents, this agent is ${agent.agent_type}`);
  if (input.run_type && input.run_type !== template.run_type) problems.push(`the template is for ${template.run_type} runs, not ${input.run_type}`);
  if (problems.length) {
    throw new DomainError(ErrorCode.EVAL_TEMPLATE_INCOMPATIBLE, problems.join('; '), { template_id: template.id, problems });
  }
  return {
    options: { ...pickOptions(template.config as RunOptions), ...pickOptions(input) },
    golden_set_id: input.golden_set_id ?? template.golden_set_id ?? undefined,
    run_type: template.run_type,
    design_context: { ...template.design_context, ...(input.design_context ?? {}) },
  };
}
