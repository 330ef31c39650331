import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { RunGates } from '@greenlight/contracts';
import { EvalRunEntity, SloPolicyEntity } from '@greenlight/database';
import { RunHooks, RunStatistics } from '@greenlight/evaluation';
import { CompareHooks, CompareListenerOutcome, StoredCompare } from '@greenlight/governance';
import { NotificationEvent, NotificationOutbox, OutboxRef } from '@greenlight/notifications';
import type { Actor } from '@greenlight/tenancy';
import { breachesOf, checkCompare, checkRun } from './slo-checks';
import type { SloThresholds } from './slo-policy.types';
import { runFacts } from './slo-run-facts';
import { SloViolations } from './slo-violations';

/**
 * Holds every run and stored compare of an agent to the agent's SLO policy, and gives runs their
 * gate defaults from it. Registers with the run hooks (terminal moves, gate defaults) and the compare
 * hooks when the module starts, in every app that moves runs or stores compares.
 */
@Injectable()
export class SloMonitor implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly runHooks: RunHooks,
    private readonly compareHooks: CompareHooks,
    private readonly stats: RunStatistics,
    private readonly outbox: NotificationOutbox,
    private readonly violations: SloViolations,
  ) {}

  onModuleInit(): void {
    this.runHooks.addTerminalListener('slo', async (run) => {
      await this.checkRun(run);
    });
    this.runHooks.setGateDefaults((run) => this.gateDefaults(run));
    this.compareHooks.addStoredListener('slo', (m, compare, emit, actor) => this.checkCompare(m, compare, emit, actor));
  }

  /** Checks a run that reached a terminal status; opens a violation per breach. The ids of those opened. */
  async checkRun(moved: EvalRunEntity): Promise<string[]> {
    const policy = await this.policyOf(this.db.manager, moved.org_id, moved.agent_id);
    if (!policy) return [];
    const run = (await this.db.getRepository(EvalRunEntity).findOneBy({ id: moved.id })) ?? moved;
    const t = policy.thresholds as SloThresholds;
    const facts = await runFacts(this.db, this.stats, run, t);
    const breaches = breachesOf(checkRun(t, facts), { run_id: run.id, run_status: run.status, run_type: run.run_type });
    if (breaches.length === 0) return [];
    return this.outbox.withEvents((m, emit) => this.violations.open(m, policy, { run_id: run.id }, breaches, emit, null));
  }

  /**
   * Checks a compare being stored, in its transaction: breaches open violations; a clean compare (no
   * regressed case) resolves the agent's open regression violations.
   */
  async checkCompare(m: EntityManager, c: StoredCompare, emit: (e: NotificationEvent) => Promise<OutboxRef[]>, actor: Actor): Promise<CompareListenerOutcome> {
    const resolved = c.regression_count === 0 ? await this.violations.remedy(m, c.org_id, c.agent_id, c.compare_id, actor) : [];
    const policy = await this.policyOf(m, c.org_id, c.agent_id);
    if (policy) {
      const details = { compare_id: c.compare_id, baseline_run_id: c.baseline_run_id, candidate_run_id: c.candidate_run_id, verdict: c.verdict };
      const breaches = breachesOf(checkCompare(policy.thresholds as SloThresholds, c), details);
      if (breaches.length > 0) await this.violations.open(m, policy, { compare_id: c.compare_id }, breaches, emit, actor);
    }
    return { resolved_slo_violations: resolved };
  }

  /** The policy's gate fields as a run's gate defaults (the run's own config overrides them). */
  async gateDefaults(run: EvalRunEntity): Promise<Partial<RunGates>> {
    const policy = await this.policyOf(this.db.manager, run.org_id, run.agent_id);
    return policy ? gateDefaultsOf(policy.thresholds as SloThresholds) : {};
  }

  private policyOf(m: EntityManager, orgId: string, agentId: string): Promise<SloPolicyEntity | null> {
    return m.findOneBy(SloPolicyEntity, { org_id: orgId, agent_id: agentId });
  }
}

/** Maps the policy's golden-set and calibration gate fields onto a run's gates; unset fields stay absent. */
export function gateDefaultsOf(t: SloThresholds): Partial<RunGates> {
  const out: Partial<RunGates> = {};
  if (typeof t.require_golden_set_quality_gate === 'boolean') out.require_golden_set_quality_gate = t.require_golden_set_quality_gate;
  if (typeof t.min_active_case_count === 'number') out.min_active_case_count = t.min_active_case_count;
  if (typeof t.min_verified_case_ratio === 'number') out.min_verified_case_ratio = t.min_verified_case_ratio;
  if (typeof t.require_calibration_gate === 'boolean') out.require_calibration_gate = t.require_calibration_gate;
  const calibration: NonNullable<RunGates['calibration']> = {};
  if (typeof t.calibration_field === 'string') calibration.field = t.calibration_field;
  if (typeof t.min_calibration_agreement === 'number') calibration.min_agreement = t.min_calibration_agreement;
  if (typeof t.min_calibration_kappa === 'number') calibration.min_kappa = t.min_calibration_kappa;
  if (typeof t.max_calibration_age_days === 'number') calibration.max_calibration_age_days = t.max_calibration_age_days;
  if (Object.keys(calibration).length > 0) out.calibration = calibration;
  return out;
}
