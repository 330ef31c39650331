import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ErrorCode } from '@greenlight/contracts';
import { AgentEntity, EvalRunEntity, RunRegistryEntity } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { ActivityService, Clock, DomainError } from '@greenlight/platform';
import { decidePromotion, GateCompare, GateRules } from './promotion-gate';
import { deactivateActive, lockAgentRegistry, writeEntry } from './registry-writes';
import { presentRegistryEntry, PromotionGateReport, PromotionInput, PromotionResult } from './registry.types';
import { RunRefResolver } from './run-ref-resolver';
import { assertEntryName } from './run-registry.service';

export const PROMOTION_DEFAULTS = { window_minutes: 60, gate_mode: 'regression_count', non_inferiority_margin: 0.02 } as const;

/**
 * Promotes a candidate run to the agent's active baseline, but only on evidence: a stored compare of
 * the current baseline and the candidate, made within the window, that is clean under the gate mode.
 * An agent without an active baseline has nothing to regress against, so its first promotion just sets
 * the baseline (the answer says so: gate reason `no_active_baseline`, compare_id null).
 */
@Injectable()
export class RunPromotionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly refs: RunRefResolver,
    private readonly activity: ActivityService,
    private readonly clock: Clock,
  ) {}

  async promote(actor: Actor, agentId: string, input: PromotionInput): Promise<PromotionResult> {
    const rules: GateRules = {
      mode: input.gate_mode ?? PROMOTION_DEFAULTS.gate_mode,
      window_minutes: input.clean_compare_window_minutes ?? PROMOTION_DEFAULTS.window_minutes,
      non_inferiority_margin: input.non_inferiority_margin ?? PROMOTION_DEFAULTS.non_inferiority_margin,
      now: this.clock.date(),
    };
    const agent = await this.refs.loadAgent(this.dataSource, actor, agentId);
    const candidate = await this.candidateRun(agent, input);
    const name = input.name ?? `promoted-${candidate.id.slice(0, 8)}`;
    assertEntryName(name);
    if (candidate.status !== 'completed')
      throw blocked('candidate_not_completed', `the candidate run is ${candidate.status}, not completed`, rules, null, { candidate_run_id: candidate.id });

    return this.dataSource.transaction(async (manager) => {
      await lockAgentRegistry(manager, agent.id);
      const active = await this.refs.activeEntry(manager, agent.id, 'baseline');
      const gate = active ? await this.checkGate(manager, agent, active, candidate, rules) : report(rules, 'no_active_baseline', null);
      const deactivated = await deactivateActive(manager, agent.id, 'baseline', name);
      const { row } = await writeEntry(manager, {
        org_id: agent.org_id,
        agent_id: agent.id,
        kind: 'baseline',
        name,
        run_id: candidate.id,
        active: true,
        promoted_from_compare_id: gate.compare_id ?? undefined,
      });
      const previous = deactivated ?? active;
      await this.activity.record(manager, actor, {
        org_id: agent.org_id,
        agent_id: agent.id,
        event_type: 'run_registry_promoted',
        metadata: {
          entry_id: row.id,
          name: row.name,
          run_id: candidate.id,
          previous_baseline_entry_id: previous?.id ?? null,
          previous_baseline_run_id: previous?.run_id ?? null,
          compare_id: gate.compare_id,
          gate_mode: gate.gate_mode,
          gate_reason: gate.reason,
          window_minutes: gate.window_minutes,
        },
      });
      return { entry: presentRegistryEntry(row), previous_baseline: previous ? presentRegistryEntry(previous) : null, compare_id: gate.compare_id, gate };
    });
  }

  /** The candidate named by id or by reference (exactly one of them). */
  private async candidateRun(agent: AgentEntity, input: PromotionInput): Promise<EvalRunEntity> {
    const given = [input.candidate_run_id, input.candidate_ref].filter((v) => v !== undefined).length;
    if (given !== 1) {
      throw DomainError.validation('give exactly one of candidate_run_id and candidate_ref', [
        { field: 'candidate_run_id', messages: ['exactly one of candidate_run_id and candidate_ref is required'] },
      ]);
    }
    if (input.candidate_run_id) return this.refs.loadRunOfAgent(this.dataSource, agent, input.candidate_run_id, 'candidate_run_id');
    const resolved = await this.refs.resolve(this.dataSource, agent, 'candidate', input.candidate_ref!);
    return this.dataSource.getRepository(EvalRunEntity).findOneByOrFail({ id: resolved.run_id });
  }

  /** Reads the newest stored compare of the pair and lets the promotion through or refuses it (409). */
  private async checkGate(manager: EntityManager, agent: AgentEntity, active: RunRegistryEntity, candidate: EvalRunEntity, rules: GateRules) {
    const pair = { baseline_run_id: active.run_id, candidate_run_id: candidate.id };
    if (active.run_id === candidate.id) throw blocked('candidate_is_active_baseline', 'the candidate run already is the active baseline', rules, null, pair);
    const compare = await newestCompare(manager, agent, active.run_id, candidate.id);
    const decision = decidePromotion(compare, rules);
    if (!decision.allowed) throw blocked(decision.reason, decision.message, rules, compare, pair);
    return report(rules, 'clean_compare', compare);
  }
}

async function newestCompare(manager: EntityManager, agent: AgentEntity, baselineRunId: string, candidateRunId: string): Promise<GateCompare | null> {
  const rows: { id: string; regression_count: number; verdict: GateCompare['verdict']; pass_rate_lower: unknown; created_at: Date }[] = await manager.query(
    `SELECT id, regression_count, verdict, deltas #> '{pass_rate,lower}' AS pass_rate_lower, created_at
     FROM eval_compares
     WHERE org_id = $1 AND agent_id = $2 AND baseline_run_id = $3 AND candidate_run_id = $4
     ORDER BY created_at DESC, id DESC
     LIMIT 1`,
    [agent.org_id, agent.id, baselineRunId, candidateRunId],
  );
  const row = rows[0];
  if (!row) return null;
  const lower = typeof row.pass_rate_lower === 'number' && Number.isFinite(row.pass_rate_lower) ? row.pass_rate_lower : null;
  return { id: row.id, regression_count: row.regression_count, verdict: row.verdict, pass_rate_lower: lower, created_at: row.created_at };
}

function report(rules: GateRules, reason: PromotionGateReport['reason'], compare: GateCompare | null): PromotionGateReport {
  return {
    gate_mode: rules.mode,
    window_minutes: rules.window_minutes,
    non_inferiority_margin: rules.mode === 'significance' ? rules.non_inferiority_margin : null,
    reason,
    compare_id: compare?.id ?? null,
    compare_created_at: compare?.created_at ?? null,
    regression_count: compare?.regression_count ?? null,
    verdict: compare?.verdict ?? null,
    pass_rate_lower: compare?.pass_rate_lower ?? null,
  };
}

function blocked(reason: string, message: string, rules: GateRules, compare: GateCompare | null, extra: Record<string, unknown>): DomainError {
  const { reason: _allowedReason, ...evidence } = report(rules, 'clean_compare', compare);
  return new DomainError(ErrorCode.RUN_REGISTRY_PROMOTION_BLOCKED, `promotion blocked: ${message}`, { reason, ...evidence, ...extra });
}
