import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CompareVerdict, EvalCompareEntity, Page, PageRequest } from '@greenlight/database';
import { RunStatistics } from '@greenlight/evaluation';
import { NotificationOutbox, NotificationEvent, OutboxRef } from '@greenlight/notifications';
import { ActivityService, Clock, DomainError, OrgScope, paginate } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import { PatternsService } from '../patterns/patterns.service';
import { pairCases } from './case-pairing';
import { loadCaseLineage, loadCaseOutcomes } from './compare-evidence';
import { CompareHooks } from './compare-hooks';
import { CompareAnalysis, CompareBody, buildAnalysis } from './compare-report';
import { assertComparable, CompareTarget, resolveRuns } from './compare-runs';
import { bootstrapSeed } from './compare-statistics';

export const DEFAULT_ALPHA = 0.05;

export interface CompareRequest extends CompareTarget {
  alpha?: number;
  auto_create_pattern?: boolean;
}

export interface CompareListFilter {
  org_id?: string;
  agent_id?: string;
  baseline_run_id?: string;
  candidate_run_id?: string;
  verdict?: CompareVerdict;
}

/** A stored compare in a list: everything but the per-case evidence (read one compare for that). */
export type CompareListItem = Omit<EvalCompareEntity, 'body'>;

/** How many regressed case ids a `regression_detected` event carries (the stored compare has them all, up to its cap). */
const EVENT_CASE_IDS = 100;

/**
 * Compares a candidate run with a baseline run of the same agent, case by case, with paired statistics.
 * `preview` answers without storing anything; `create` stores the compare with its events in one
 * transaction, so the stored answer, its activity rows and its notifications exist together or not at all.
 */
@Injectable()
export class CompareService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly runStatistics: RunStatistics,
    private readonly outbox: NotificationOutbox,
    private readonly activity: ActivityService,
    private readonly clock: Clock,
    private readonly patterns: PatternsService,
    private readonly hooks: CompareHooks,
  ) {}

  /** The compare computed fresh: no row, no event, no pattern. */
  async preview(actor: Actor, req: CompareRequest): Promise<CompareBody> {
    if (req.auto_create_pattern) {
      throw DomainError.validation('auto_create_pattern creates a pattern: use POST /api/v1/eval/compares', [
        { field: 'auto_create_pattern', messages: ['is only accepted by POST /api/v1/eval/compares'] },
      ]);
    }
    const analysis = await this.analyse(actor, req);
    return { id: null, created_at: null, stored: false, ...analysis, pattern: null, remediation: null, notification: null };
  }

  /** Computes, stores and announces a compare; answers the stored body. */
  async create(actor: Actor, req: CompareRequest): Promise<CompareBody> {
    const analysis = await this.analyse(actor, req);
    return this.outbox.withEvents((m, emit) => this.store(m, emit, actor, req, analysis));
  }

  /** A stored compare, exactly as it was answered. */
  async get(actor: Actor, id: string): Promise<CompareBody> {
    const row = await OrgScope.of(actor).findOne(this.db, EvalCompareEntity, id, 'eval compare');
    return row.body as unknown as CompareBody;
  }

  /** Stored compares, newest first. */
  async list(actor: Actor, filter: CompareListFilter, page: PageRequest): Promise<Page<CompareListItem>> {
    const scope = await OrgScope.resolve(this.db, actor, filter.org_id);
    const qb = scope.query(this.db, EvalCompareEntity, 'c');
    if (filter.agent_id) qb.andWhere('c.agent_id = :agent', { agent: filter.agent_id });
    if (filter.baseline_run_id) qb.andWhere('c.baseline_run_id = :base', { base: filter.baseline_run_id });
    if (filter.candidate_run_id) qb.andWhere('c.candidate_run_id = :cand', { cand: filter.candidate_run_id });
    if (filter.verdict) qb.andWhere('c.verdict = :verdict', { verdict: filter.verdict });
    const columns = this.db
      .getMetadata(EvalCompareEntity)
      .columns.map((c) => c.propertyName)
      .filter((p) => p !== 'body');
    qb.select(columns.map((p) => `c.${p}`));
    return paginate(qb.orderBy('c.created_at', 'DESC').addOrderBy('c.id', 'DESC'), page);
  }

  private async analyse(actor: Actor, req: CompareRequest): Promise<CompareAnalysis> {
    const runs = await resolveRuns(this.db, actor, req);
    assertComparable(runs);
    const [baselineCases, candidateCases, lineage, baselineSummary, candidateSummary] = await Promise.all([
      loadCaseOutcomes(this.db, runs.baseline.id),
      loadCaseOutcomes(this.db, runs.candidate.id),
      loadCaseLineage(this.db, [runs.baseline.golden_set_id, runs.candidate.golden_set_id]),
      this.runStatistics.summarize(runs.baseline),
      this.runStatistics.summarize(runs.candidate),
    ]);
    return buildAnalysis({
      runs,
      summaries: { baseline: baselineSummary, candidate: candidateSummary },
      pairing: pairCases(baselineCases, candidateCases, lineage),
      alpha: req.alpha ?? DEFAULT_ALPHA,
      seed: bootstrapSeed(runs.baseline.id, runs.candidate.id),
    });
  }

  private async store(
    m: EntityManager,
    emit: (event: NotificationEvent) => Promise<OutboxRef[]>,
    actor: Actor,
    req: CompareRequest,
    analysis: CompareAnalysis,
  ): Promise<CompareBody> {
    const id = randomUUID();
    const createdAt = this.clock.date();
    const about = {
      compare_id: id,
      agent_id: analysis.agent_id,
      baseline_run_id: analysis.baseline_run_id,
      candidate_run_id: analysis.candidate_run_id,
      regression_count: analysis.regression_count,
      verdict: analysis.verdict,
    };
    let notification: CompareBody['notification'] = null;
    // the regression is announced first, then the patterns it opens or settles
    if (analysis.regression_count > 0) {
      const data = { ...about, regressed_case_ids: analysis.regressions.slice(0, EVENT_CASE_IDS).map((r) => r.case_id) };
      const refs = await emit({ org_id: analysis.org_id, event_type: 'regression_detected', data });
      await this.activity.record(m, actor, { org_id: analysis.org_id, agent_id: analysis.agent_id, event_type: 'regression_detected', metadata: data });
      notification = { event_type: 'regression_detected', queued_deliveries: refs.length };
    }
    const settled = await this.settlePatterns(m, emit, actor, req, analysis, id);
    // features on top of compares (the agent's SLOs) act in this transaction too
    const outcome = await this.hooks.stored(m, { ...about, org_id: analysis.org_id, created_at: createdAt }, emit, actor);
    const remediation = settled.remediation ? { ...settled.remediation, resolved_slo_violations: outcome.resolved_slo_violations ?? [] } : null;
    const body: CompareBody = { id, created_at: createdAt.toISOString(), stored: true, ...analysis, ...settled, remediation, notification };
    await this.activity.record(m, actor, { org_id: analysis.org_id, agent_id: analysis.agent_id, event_type: 'regression_compare', metadata: about });
    const row = m.create(EvalCompareEntity, {
      id,
      org_id: analysis.org_id,
      agent_id: analysis.agent_id,
      baseline_run_id: analysis.baseline_run_id,
      candidate_run_id: analysis.candidate_run_id,
      mode: analysis.mode,
      baseline_ref: analysis.baseline_ref,
      candidate_ref: analysis.candidate_ref,
      compared_case_count: analysis.compared_case_count,
      unpaired_case_count: analysis.unpaired_case_count,
      regression_count: analysis.regression_count,
      improvement_count: analysis.improvement_count,
      verdict: analysis.verdict,
      alpha: analysis.alpha,
      deltas: analysis.deltas as unknown as Record<string, unknown>,
      statistics: analysis.statistics as unknown as Record<string, unknown>,
      body: body as unknown as Record<string, unknown>,
      pattern_id: body.pattern?.id ?? null,
      api_key_id: actor.key_id ?? null,
      request_id: actor.request_id ?? null,
      created_at: createdAt,
    });
    // jsonb columns are plain objects; the insert's deep-partial typing cannot see that
    await m.insert(EvalCompareEntity, row as never);
    return body;
  }

  /**
   * What the compare does to the agent's issue patterns: with regressions and `auto_create_pattern`, the
   * pair's open regression pattern is reused or a high-priority one opened; a clean compare (no
   * regression) moves the open regression patterns measured against the same baseline to `verifying`.
   */
  private async settlePatterns(
    m: EntityManager,
    emit: (event: NotificationEvent) => Promise<OutboxRef[]>,
    actor: Actor,
    req: CompareRequest,
    analysis: CompareAnalysis,
    compareId: string,
  ): Promise<{ pattern: CompareBody['pattern']; remediation: { auto_closed: number; updated_patterns: string[] } | null }> {
    const pair = {
      org_id: analysis.org_id,
      agent_id: analysis.agent_id,
      baseline_run_id: analysis.baseline_run_id,
      candidate_run_id: analysis.candidate_run_id,
      actor_key_id: actor.key_id ?? null,
    };
    if (analysis.regression_count === 0) {
      const remediation = await this.patterns.verifyRemediation(m, { ...pair, compare_id: compareId }, emit);
      return { pattern: null, remediation };
    }
    if (!req.auto_create_pattern) return { pattern: null, remediation: null };
    const regressed = analysis.regressions.map((r) => r.case_id);
    const found = await this.patterns.findOrCreateRegressionPattern(m, { ...pair, regressed_case_ids: regressed, deltas: analysis.deltas });
    return { pattern: { id: found.pattern.id, action: found.created ? 'created' : 'reused' }, remediation: null };
  }
}
