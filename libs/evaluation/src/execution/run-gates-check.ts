import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ErrorCode, RunGates } from '@greenlight/contracts';
import { EvalRunEntity } from '@greenlight/database';
import { GoldenSetsService } from '@greenlight/golden-sets';
import { DomainError } from '@greenlight/platform';
import { RunHooks } from '../lifecycle/run-hooks';

/** The gates a run asked for when it was created, checked before it executes (execute, start, requeue). */
@Injectable()
export class RunGatesCheck {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly goldenSets: GoldenSetsService,
    private readonly hooks: RunHooks,
  ) {}

  /** A run that asks for the golden-set quality gate does not start while the gate blocks it. */
  async assertOpen(run: EvalRunEntity): Promise<void> {
    // The run's own gate settings win over the defaults (the agent's SLO policy), field by field.
    const defaults = await this.hooks.gateDefaults(run);
    const own = Object.fromEntries(Object.entries(run.config.gates ?? {}).filter(([, v]) => v !== undefined && v !== null));
    const gates = { ...defaults, ...own, calibration: { ...defaults.calibration, ...run.config.gates?.calibration } };
    await this.assertGoldenSetGate(run, gates);
    await this.hooks.checkStart(run, gates);
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
