import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CalibrationService, runThresholds } from '@greenlight/calibration';
import { AgentEntity, AgentReadinessEntity, EvalCompareEntity, EvalRunEntity, SloPolicyEntity, SloViolationEntity } from '@greenlight/database';
import { judgeConfigHash, RunStatistics } from '@greenlight/evaluation';
import type { Actor } from '@greenlight/tenancy';
import { gateDefaultsOf, SloThresholds } from '../slo';
import { LaunchGateView } from './launch-gate.types';

/** How many of the agent's latest completed runs a certification keeps. */
export const CERTIFIED_RUNS = 5;
/** How many open violations a certification lists (the count is always whole). */
const LISTED_VIOLATIONS = 100;

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

/**
 * What a certification freezes, besides the gate: the agent's latest completed runs with their judge
 * configuration hashes and rates, the latest stored compare with its statistics, the SLO policy and
 * open violations, the latest calibration with the calibration gate, and the readiness checklist.
 * Everything is plain JSON (dates as ISO text), exactly what is hashed and stored.
 */
@Injectable()
export class CertificationEvidence {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly runStatistics: RunStatistics,
    private readonly calibration: CalibrationService,
  ) {}

  async collect(actor: Actor, agent: AgentEntity, gate: LaunchGateView): Promise<Record<string, unknown>> {
    const where = { org_id: agent.org_id, agent_id: agent.id };
    const [runs, compare, policy, violations, readiness] = await Promise.all([
      this.db.getRepository(EvalRunEntity).find({
        where: { ...where, status: 'completed' },
        order: { completed_at: { direction: 'DESC', nulls: 'LAST' }, created_at: 'DESC', id: 'ASC' },
        take: CERTIFIED_RUNS,
      }),
      this.db.getRepository(EvalCompareEntity).findOne({ where, order: { created_at: 'DESC', id: 'DESC' } }),
      this.db.getRepository(SloPolicyEntity).findOneBy(where),
      this.db
        .getRepository(SloViolationEntity)
        .findAndCount({ where: { ...where, status: 'open' }, order: { created_at: 'ASC', id: 'ASC' }, take: LISTED_VIOLATIONS }),
      this.db.getRepository(AgentReadinessEntity).findOneBy(where),
    ]);
    const rates = await this.runStatistics.ratesFor(runs);
    const th = policy?.thresholds ?? {};
    const calibrationGate = await this.calibration.gateStatus(actor, agent.id, runThresholds(gateDefaultsOf(th as SloThresholds).calibration));
    const cal = calibrationGate.calibration;
    const snapshot = {
      gate: { status: gate.status, blockers: gate.blockers, evaluated_at: gate.evaluated_at, signals: gate.signals },
      runs: runs.map((r) => ({
        id: r.id,
        name: r.name,
        run_type: r.run_type,
        golden_set_id: r.golden_set_id,
        golden_set_version: r.config.golden_set_version ?? null,
        judge_config_hash: r.judge_config_hash ?? judgeConfigHash(r.config),
        total_cases: r.total_cases,
        completed_at: iso(r.completed_at),
        rates: rates.get(r.id) ?? null,
      })),
      compare: compare
        ? {
            id: compare.id,
            baseline_run_id: compare.baseline_run_id,
            candidate_run_id: compare.candidate_run_id,
            verdict: compare.verdict,
            regression_count: compare.regression_count,
            improvement_count: compare.improvement_count,
            compared_case_count: compare.compared_case_count,
            unpaired_case_count: compare.unpaired_case_count,
            alpha: compare.alpha,
            deltas: compare.deltas,
            statistics: compare.statistics,
            created_at: iso(compare.created_at),
          }
        : null,
      slo: {
        policy: policy ? { id: policy.id, version: policy.version, thresholds: policy.thresholds, updated_at: iso(policy.updated_at) } : null,
        open_violation_count: violations[1],
        open_violations: violations[0].map((v) => ({
          id: v.id,
          metric: v.metric,
          observed_value: v.observed_value,
          threshold_value: v.threshold_value,
          source_run_id: v.source_run_id,
          source_compare_id: v.source_compare_id,
          created_at: iso(v.created_at),
        })),
      },
      calibration: {
        required: th.require_calibration_gate === true,
        latest: cal
          ? {
              id: cal.id,
              run_id: cal.run_id,
              judge_config_hash: cal.judge_config_hash,
              case_count: cal.case_count,
              agreement: cal.agreement,
              created_at: cal.created_at,
            }
          : null,
        gate: {
          status: calibrationGate.status,
          reasons: calibrationGate.reasons,
          thresholds: calibrationGate.thresholds,
          current_judge_config_hash: calibrationGate.current_judge_config_hash,
        },
      },
      readiness: readiness
        ? {
            pending_count: readiness.pending_count,
            items: readiness.items,
            decision_snapshot: readiness.decision_snapshot,
            updated_at: iso(readiness.updated_at),
          }
        : null,
    };
    // what is hashed must be what the database gives back: plain JSON, no undefined, no Date
    return JSON.parse(JSON.stringify(snapshot)) as Record<string, unknown>;
  }
}
