import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CalibrationService, GateThresholds, runThresholds } from '@greenlight/calibration';
import { judgeConfigHash } from '@greenlight/evaluation';
import { computeQualityGate, QualityGateStatus, QualityGateThresholds } from '@greenlight/golden-sets';
import { Clock, DomainError, OrgScope } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import { gateDefaultsOf, SloThresholds } from '../slo';
import {
  CalibrationRow,
  GateInputs,
  gateInputsColumns,
  gateInputsFrom,
  GateInputsRow,
  readCaseCounts,
  readGateInputs,
  readLatestCalibrations,
  RunRow,
} from './launch-gate.reads';
import { BLOCKER_ITEM_CAP, GOLDEN_SET_DEFAULTS, LaunchBlocker, LaunchGateView } from './launch-gate.types';

const DAY_MS = 86_400_000;

interface CalibrationOutcome {
  status: 'pass' | 'blocked';
  reasons: string[];
  thresholds: GateThresholds;
  calibration_id: string | null;
  current_judge_config_hash: string | null;
}

/** How one evaluation reads the calibration and golden-set gates: per agent through their own services, or batched. */
interface GateSources {
  calibration(agentId: string, t: GateThresholds): Promise<CalibrationOutcome>;
  goldenSet(run: RunRow, t: QualityGateThresholds): Promise<QualityGateStatus>;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * May an agent launch now? The gate is blocked by each of: critical issue patterns not yet resolved,
 * open SLO violations, pending readiness items, the calibration gate and the golden-set quality gate
 * when the agent's SLO policy requires them, and a latest stored compare that counted regressions.
 * It evaluates many agents with a fixed number of queries; one agent goes through the calibration
 * and golden-set services themselves, and both paths give the same answer.
 */
@Injectable()
export class LaunchGateService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly calibration: CalibrationService,
  ) {}

  /** The gate of one agent the actor can see (404 otherwise). */
  async status(actor: Actor, agentId: string): Promise<LaunchGateView> {
    // the agent in scope and its gate's inputs, in one statement
    const params: unknown[] = [agentId];
    const rows: ({ id: string; org_id: string } & GateInputsRow)[] = await this.db.query(
      `WITH ag AS (SELECT id, org_id FROM agents WHERE id = $1 AND ${OrgScope.of(actor).sql('org_id', params)})
       SELECT ag.id, ag.org_id, ${gateInputsColumns('ag.org_id', 'ARRAY[ag.id]')} FROM ag`,
      params,
    );
    if (rows.length === 0) throw DomainError.notFound('agent', agentId);
    return this.statusFromInputs(actor, rows[0], gateInputsFrom(rows[0]));
  }

  /** The gate of an agent the caller has already found in the actor's scope (no lookup of its own). */
  async statusOf(actor: Actor, agent: { id: string; org_id: string }): Promise<LaunchGateView> {
    return this.statusFromInputs(actor, agent, await readGateInputs(this.db, agent.org_id, [agent.id]));
  }

  /**
   * The gate of an agent the caller has already found in the actor's scope, from inputs the caller
   * read with `gateInputsColumns` (e.g. in the same statement as other things it shows).
   */
  async statusFromInputs(actor: Actor, agent: { id: string; org_id: string }, inputs: GateInputs): Promise<LaunchGateView> {
    const sources: GateSources = {
      calibration: async (id, t) => {
        const s = await this.calibration.gateStatus(actor, id, t);
        return {
          status: s.status,
          reasons: s.reasons,
          thresholds: s.thresholds,
          calibration_id: s.calibration?.id ?? null,
          current_judge_config_hash: s.current_judge_config_hash,
        };
      },
      goldenSet: (run, t) => computeQualityGate(this.db.manager, run.golden_set_id, run.golden_set_version, t),
    };
    return this.evaluateOne(agent.org_id, agent.id, inputs, sources);
  }

  /**
   * The gates of every agent of `agentIds` that belongs to org `orgId` (others are left out), keyed by
   * agent id in the order given. No tenant decision here: the caller scoped the org. Given a
   * transaction's manager `m`, every read goes through it one after another (one connection runs one
   * query at a time).
   */
  async evaluateMany(orgId: string, agentIds: string[], m?: EntityManager): Promise<Map<string, LaunchGateView>> {
    const db = m ?? this.db;
    const unique = [...new Set(agentIds)];
    if (unique.length === 0) return new Map();
    const inputs = await readGateInputs(db, orgId, unique);
    return this.evaluateRead(
      orgId,
      unique.filter((id) => inputs.found.has(id)),
      inputs,
      db,
      m !== undefined,
    );
  }

  /**
   * The gates of every agent of org `orgId`, keyed by agent id, as `evaluateMany` gives them for the
   * org's agents, without the caller listing them first. No tenant decision here: the caller scoped the org.
   */
  async evaluateOrg(orgId: string): Promise<Map<string, LaunchGateView>> {
    const inputs = await readGateInputs(this.db, orgId, 'whole org');
    return this.evaluateRead(orgId, [...inputs.found], inputs, this.db, false);
  }

  /** The gates of `ids` (agents of the org) from their inputs; one after another through `db` when `sequential`. */
  private async evaluateRead(orgId: string, ids: string[], inputs: GateInputs, db: DataSource | EntityManager, sequential: boolean) {
    const required = (key: string) => ids.filter((id) => inputs.policies.get(id)?.thresholds[key] === true);
    const goldenRuns = required('require_golden_set_quality_gate')
      .map((id) => inputs.runs.get(id))
      .filter((r): r is RunRow => !!r);
    const readCalibrations = () => readLatestCalibrations(db, orgId, required('require_calibration_gate'));
    const readCounts = () => readCaseCounts(db, [...new Set(goldenRuns.map((r) => r.golden_set_id))]);
    const [calibrations, counts] = sequential ? [await readCalibrations(), await readCounts()] : await Promise.all([readCalibrations(), readCounts()]);
    const sources: GateSources = {
      calibration: async (id, t) => this.calibrationFromRows(calibrations.get(id) ?? null, currentHash(inputs.runs.get(id)), t),
      // the quality gate reads the two counts through `query`; here they were read for every set at once
      goldenSet: (run, t) => {
        const c = counts.get(run.golden_set_id) ?? { active: 0, verified: 0 };
        return computeQualityGate({ query: async () => [c] } as unknown as EntityManager, run.golden_set_id, run.golden_set_version, t);
      },
    };
    const out = new Map<string, LaunchGateView>();
    for (const id of ids) out.set(id, await this.evaluateOne(orgId, id, inputs, sources));
    return out;
  }

  /** The calibration gate from an agent's latest calibration and current judge hash (the rules of the calibration gate). */
  private calibrationFromRows(row: CalibrationRow | null, current: string | null, t: GateThresholds): CalibrationOutcome {
    const reasons: string[] = [];
    if (!row) reasons.push('no_calibration');
    else {
      if (this.clock.now() - new Date(row.created_at).getTime() > t.max_calibration_age_days * DAY_MS) reasons.push('calibration_too_old');
      const agreement = ((row.agreement.fields ?? {}) as Record<string, unknown>)[t.field];
      if (typeof agreement !== 'number' || agreement < t.min_agreement) reasons.push('agreement_below_minimum');
      const kappa = (row.kappa[t.field] as { kappa?: unknown } | undefined)?.kappa;
      if (typeof kappa !== 'number' || kappa < t.min_kappa) reasons.push('kappa_below_minimum');
      if (current !== row.judge_config_hash) reasons.push('judge_config_changed');
    }
    return { status: reasons.length === 0 ? 'pass' : 'blocked', reasons, thresholds: t, calibration_id: row?.id ?? null, current_judge_config_hash: current };
  }

  private async evaluateOne(orgId: string, agentId: string, inputs: GateInputs, sources: GateSources): Promise<LaunchGateView> {
    const blockers: LaunchBlocker[] = [];
    const patterns = inputs.patterns.get(agentId) ?? { total: 0, items: [] };
    if (patterns.total > 0) {
      blockers.push({
        kind: 'critical_issue_patterns',
        message: `${patterns.total} critical issue pattern(s) not resolved`,
        details: { count: patterns.total, patterns: patterns.items.map((p) => ({ id: p.id, title: p.title, status: p.status })) },
      });
    }
    const violations = inputs.violations.get(agentId) ?? { total: 0, items: [] };
    if (violations.total > 0) {
      blockers.push({
        kind: 'open_slo_violations',
        message: `${violations.total} open SLO violation(s)`,
        details: {
          count: violations.total,
          violations: violations.items.map((v) => ({
            id: v.id,
            metric: v.metric,
            observed_value: v.observed_value,
            threshold_value: v.threshold_value,
            source_run_id: v.source_run_id,
            source_compare_id: v.source_compare_id,
          })),
        },
      });
    }
    const readiness = inputs.readiness.get(agentId);
    const pending = readiness?.pending_count ?? 0;
    if (pending > 0) {
      const items = (readiness?.items ?? []).filter((i) => i.status === 'pending').slice(0, BLOCKER_ITEM_CAP);
      blockers.push({
        kind: 'readiness_pending',
        message: `${pending} readiness item(s) pending`,
        details: { pending_count: pending, items: items.map((i) => ({ key: i.key, title: i.title, owner: i.owner ?? null })) },
      });
    }
    const policy = inputs.policies.get(agentId);
    const th = policy?.thresholds ?? {};
    const run = inputs.runs.get(agentId) ?? null;
    const calibrationRequired = th.require_calibration_gate === true;
    let calibration: CalibrationOutcome | null = null;
    if (calibrationRequired) {
      calibration = await sources.calibration(agentId, runThresholds(gateDefaultsOf(th as SloThresholds).calibration));
      if (calibration.status === 'blocked') {
        blockers.push({ kind: 'calibration_gate', message: `the calibration gate is blocked: ${calibration.reasons.join(', ')}`, details: { ...calibration } });
      }
    }
    const goldenRequired = th.require_golden_set_quality_gate === true;
    let golden: QualityGateStatus | null = null;
    if (goldenRequired) {
      const t = {
        min_active_case_count: num(th.min_active_case_count) ?? GOLDEN_SET_DEFAULTS.min_active_case_count,
        min_verified_case_ratio: num(th.min_verified_case_ratio) ?? GOLDEN_SET_DEFAULTS.min_verified_case_ratio,
      };
      if (!run) {
        blockers.push({
          kind: 'golden_set_quality_gate',
          message: 'the golden-set quality gate is required but the agent has no completed run to name its golden set',
          details: { reason: 'no_completed_run', thresholds: t },
        });
      } else {
        golden = await sources.goldenSet(run, t);
        if (!golden.passed) {
          blockers.push({
            kind: 'golden_set_quality_gate',
            message: `the golden set of the latest completed run does not pass its quality gate: ${golden.blockers.map((b) => b.message).join('; ')}`,
            details: { run_id: run.id, ...golden },
          });
        }
      }
    }
    const compare = inputs.compares.get(agentId) ?? null;
    if (compare && compare.regression_count > 0) {
      blockers.push({
        kind: 'latest_compare_regressed',
        message: `the latest stored compare counted ${compare.regression_count} regressed case(s) (verdict ${compare.verdict})`,
        details: {
          compare_id: compare.id,
          verdict: compare.verdict,
          regression_count: compare.regression_count,
          baseline_run_id: compare.baseline_run_id,
          candidate_run_id: compare.candidate_run_id,
        },
      });
    }
    return {
      agent_id: agentId,
      org_id: orgId,
      status: blockers.length === 0 ? 'pass' : 'blocked',
      blockers,
      evaluated_at: this.clock.date().toISOString(),
      signals: {
        critical_open_patterns: patterns.total,
        open_slo_violations: violations.total,
        readiness_pending: pending,
        latest_compare: compare
          ? { id: compare.id, verdict: compare.verdict, regression_count: compare.regression_count, created_at: iso(compare.created_at) as string }
          : null,
        latest_completed_run: run
          ? { id: run.id, golden_set_id: run.golden_set_id, judge_config_hash: currentHash(run), completed_at: iso(run.completed_at) }
          : null,
        calibration_gate: { required: calibrationRequired, status: calibration?.status ?? null, reasons: calibration?.reasons ?? [] },
        golden_set_quality_gate: {
          required: goldenRequired,
          status: golden ? (golden.passed ? 'pass' : 'blocked') : goldenRequired ? 'blocked' : null,
          golden_set_id: golden?.golden_set_id ?? null,
        },
        slo_policy: policy ? { id: policy.id, version: policy.version } : null,
      },
    };
  }
}

/** The judge the agent's results come from now: its latest completed run's judge hash. */
function currentHash(run: RunRow | undefined | null): string | null {
  if (!run) return null;
  return run.judge_config_hash ?? (run.config ? judgeConfigHash(run.config) : null);
}
