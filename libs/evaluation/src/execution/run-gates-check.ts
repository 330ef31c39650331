import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ErrorCode } from '@greenlight/contracts';
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
    await this.assertGoldenSetGate(run);
    await this.hooks.checkStart(run);
  }

  private async assertGoldenSetGate(run: EvalRunEntity): Promise<void> {
    const { gates } = run.config;
    if (!gates?.require_golden_set_quality_gate) return;
    const set = await this.db.query(`SELECT version FROM golden_sets WHERE id = $1`, [run.golden_set_id]);
    const status = await this.goldenSets.computeQualityGate(this.db.manager, run.golden_set_id, Number(set[0]?.version ?? 1), {
      min_active_case_count: gates.min_active_case_count,
      min_verified_case_ratio: gates.min_verified_case_ratio,
    });
    if (!status.passed) {
      throw new DomainError(ErrorCode.GOLDEN_SET_QUALITY_GATE_BLOCKED, 'the golden set quality gate blocks this run', {
        run_id: run.id,
        quality_gate: status,
      });
    }
  }
}
