import { Injectable, OnModuleInit } from '@nestjs/common';
import { ErrorCode, RunCalibrationThresholds, RunGates } from '@greenlight/contracts';
import type { EvalRunEntity } from '@greenlight/database';
import { CALIBRATION_START_CHECK, judgeConfigHash, RunHooks } from '@greenlight/evaluation';
import { DomainError } from '@greenlight/platform';
import { CalibrationService } from './calibration.service';
import { DEFAULT_GATE_THRESHOLDS, GateStatusView, GateThresholds, isCalibrationField } from './calibration.types';

/**
 * The calibration gate of runs created with `require_calibration_gate` (or whose agent's SLO policy
 * requires it): `execute`, `start` and requeue refuse such a run with CALIBRATION_GATE_BLOCKED while the
 * agent's latest calibration does not pass.
 *
 * The judge configuration a calibration must match is the run's own (its `judge_config_hash`), not the
 * agent's latest completed run's as on the status endpoint: the run about to execute is the one whose
 * verdicts must be trusted, and it has not completed. A calibration of another judge mode, model, prompt
 * version or profile snapshot than the run's is "calibrated for another judge config" and blocks it.
 */
@Injectable()
export class CalibrationRunGate implements OnModuleInit {
  constructor(
    private readonly hooks: RunHooks,
    private readonly calibration: CalibrationService,
  ) {}

  onModuleInit(): void {
    this.hooks.addStartCheck(CALIBRATION_START_CHECK, (run, gates) => this.check(run, gates));
  }

  /** Refuses the run while its required gate blocks; a run that does not require it passes untouched. */
  async check(run: EvalRunEntity, gates: Partial<RunGates>): Promise<void> {
    if (!gates.require_calibration_gate) return;
    const status = await this.status(run, gates);
    if (status.status === 'pass') return;
    throw new DomainError(ErrorCode.CALIBRATION_GATE_BLOCKED, `the calibration gate blocks this run: ${status.reasons.join(', ')}`, {
      run_id: run.id,
      agent_id: run.agent_id,
      reasons: status.reasons,
      gate: status,
    });
  }

  /** The gate for the run's agent, measured against the run's own judge configuration. */
  status(run: EvalRunEntity, gates: Partial<RunGates>): Promise<GateStatusView> {
    const hash = run.judge_config_hash ?? judgeConfigHash(run.config);
    return this.calibration.gateStatusOf({ id: run.agent_id, org_id: run.org_id }, runThresholds(gates.calibration), hash);
  }
}

/** The run's effective thresholds over the gate's defaults; a field name that is not a calibration field keeps the default. */
export function runThresholds(given: Partial<RunCalibrationThresholds> | undefined): GateThresholds {
  const t = given ?? {};
  const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
  return {
    field: isCalibrationField(t.field) ? t.field : DEFAULT_GATE_THRESHOLDS.field,
    min_agreement: num(t.min_agreement, DEFAULT_GATE_THRESHOLDS.min_agreement),
    min_kappa: num(t.min_kappa, DEFAULT_GATE_THRESHOLDS.min_kappa),
    max_calibration_age_days: num(t.max_calibration_age_days, DEFAULT_GATE_THRESHOLDS.max_calibration_age_days),
  };
}
