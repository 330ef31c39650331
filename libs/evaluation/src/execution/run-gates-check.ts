import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ErrorCode, RunGates } from '@greenlight/contracts';
import { EvalRunEntity } from '@greenlight/database';
import { GoldenSetsService } from '@greenlight/golden-sets';
import { DomainError } from '@greenlight/platform';
import { RunHooks } from '../lifecycle/run-hooks';

/** The name the calibration gate registers its start check under (see RunHooks). */
export const CALIBRATION_START_CHECK = 'calibration';

/** The gates a run asked for when it was created, checked before it executes (execute, start, requeue). */
@Injectable()
export class RunGatesCheck {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly goldenSets: GoldenSetsService,
    private readonly hooks: RunHooks,
  ) {}

  /**
   * A run does not start while a gate it asks for blocks it: the golden-set quality gate here, the
   * others (the calibration gate) through the start checks registered with RunHooks. A run that asks
   * for the calibration gate in a process where no calibration check is registered is refused: a gate
   * that cannot be checked is not passed.
   */
  async assertOpen(run: EvalRunEntity): Promise<void> {
    const gates = await this.effectiveGates(run);
    await this.assertGoldenSetGate(run, gates);
    if (gates.require_calibration_gate && !this.hooks.hasStartCheck(CALIBRATION_START_CHECK)) {
      throw new DomainError(ErrorCode.CALIBRATION_GATE_BLOCKED, 'the run requires the calibration gate, and this process cannot check it', {
        run_id: run.id,
        reasons: ['calibration_check_unavailable'],
      });
    }
    await this.hooks.checkStart(run, gates);
  }

  /** The run's own gate settings over the defaults (the agent's SLO policy), field by field; calibration thresholds too. */
  async effectiveGates(run: EvalRunEntity): Promise<Partial<RunGates>> {
    const defaults = await this.hooks.gateDefaults(run);
    const own = Object.fromEntries(Object.entries(run.config.gates ?? {}).filter(([, v]) => v !== undefined && v !== null));
    const calibration = { ...defaults.calibration, ...definedOnly(run.config.gates?.calibration) };
    return { ...defaults, ...own, calibration };
  }

  private async assertGoldenSetGate(run: EvalRunEntity, gates: Partial<RunGates>): Promise<void> {
    if (!gates.require_golden_set_quality_gate) return;
    const set = await this.db.query(`SELECT version FROM golden_sets WHERE id = $1`, [run.golden_set_id]);
    const status = await this.goldenSets.computeQualityGate(this.db.manager, run.golden_set_id, Number(set[0]?.version ?? 1), {
      min_active_case_count: gates.min_active_case_count ?? 1,
      min_verified_case_ratio: gates.min_verified_case_ratio ?? 0,
    });
    if (!status.passed) {
      throw new DomainError(ErrorCode.GOLDEN_SET_QUALITY_GATE_BLOCKED, 'the golden set quality gate blocks this run', {
        run_id: run.id,
        quality_gate: status,
      });
    }
  }
}

function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}
