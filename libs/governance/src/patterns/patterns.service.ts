import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AgentEntity, IssuePatternEntity, Page, PageRequest, PatternStatusChange } from '@greenlight/database';
import { NotificationOutbox } from '@greenlight/notifications';
import { Clock, DomainError, OrgScope, paginate } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import { PatternEvents } from './pattern-events';
import { planStatusChange } from './pattern-status-change';
import {
  CreatePatternInput,
  EmitEvent,
  PatternHistoryView,
  PatternListFilter,
  PatternUpdateResult,
  PatternView,
  toPatternView,
  UpdatePatternInput,
} from './pattern.types';
import { RegressionPatterns, RegressionPatternInput, RemediationInput } from './regression-patterns';

const isGlobalAdmin = (actor: Actor) => actor.org_id === null && actor.role === 'admin';

/**
 * Issue patterns of an agent: problems tracked from open to resolved through the transition matrix,
 * with their status history; every status move emits `pattern_status_changed` in its transaction.
 * A pattern lives in its agent's org; another org's agent, or another agent's pattern, is a 404.
 */
@Injectable()
export class PatternsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly outbox: NotificationOutbox,
    private readonly clock: Clock,
    private readonly events: PatternEvents,
    private readonly regressions: RegressionPatterns,
  ) {}

  async list(actor: Actor, agentId: string, filter: PatternListFilter, page: PageRequest): Promise<Page<PatternView>> {
    const agent = await this.agentOf(this.db, actor, agentId);
    const qb = this.db
      .getRepository(IssuePatternEntity)
      .createQueryBuilder('p')
      .where('p.org_id = :org AND p.agent_id = :agent', { org: agent.org_id, agent: agent.id });
    if (filter.status) qb.andWhere('p.status = :status', { status: filter.status });
    if (filter.priority) qb.andWhere('p.priority = :priority', { priority: filter.priority });
    if (filter.primary_tag) qb.andWhere('p.primary_tag = :primary_tag', { primary_tag: filter.primary_tag });
    if (filter.tag) qb.andWhere(':tag = ANY (p.tags)', { tag: filter.tag });
    qb.orderBy('p.created_at', 'DESC').addOrderBy('p.id', 'DESC');
    return paginate(qb, page, toPatternView);
  }

  /** Opens a pattern in the agent's org; its history starts with the `open` entry. */
  async create(actor: Actor, agentId: string, input: CreatePatternInput): Promise<PatternView> {
    return this.db.transaction(async (m) => {
      const agent = await this.agentOf(m, actor, agentId);
      const now = this.clock.date();
      const opening: PatternStatusChange = { from: null, to: 'open', at: now.toISOString(), by_key_id: actor.key_id, note: null, forced: false };
      const row = await m.save(
        m.create(IssuePatternEntity, {
          org_id: agent.org_id,
          agent_id: agent.id,
          title: input.title.trim(),
          description: input.description ?? '',
          status: 'open',
          priority: input.priority ?? 'medium',
          owner: input.owner ?? null,
          root_cause: input.root_cause ?? null,
          suggested_fix: input.suggested_fix ?? null,
          tags: input.tags ?? [],
          primary_tag: input.primary_tag ?? null,
          linked_case_ids: input.linked_case_ids ?? [],
          verification: null,
          metadata: input.metadata ?? {},
          status_history: [opening],
          resolved_date: null,
          created_at: now,
          updated_at: now,
        }),
      );
      await this.events.created(m, actor, row);
      return toPatternView(row);
    });
  }

  /** Changes a pattern's fields and, through the matrix, its status; the answer says what the status change queued. */
  async update(actor: Actor, agentId: string, patternId: string, input: UpdatePatternInput): Promise<PatternUpdateResult> {
    return this.outbox.withEvents(async (m, emit) => {
      const agent = await this.agentOf(m, actor, agentId);
      const row = await this.lockPattern(m, agent, patternId);
      const now = this.clock.date();
      const change = this.applyStatus(actor, row, input, now);
      this.applyFields(row, input);
      this.applyResolvedDate(row, input);
      row.updated_at = now;
      await m.save(row);
      if (!change) return { pattern: toPatternView(row), notification: null };
      const queued = await this.events.statusChanged(m, actor, row, change, emit);
      return { pattern: toPatternView(row), notification: { event: 'pattern_status_changed', queued } };
    });
  }

  async history(actor: Actor, agentId: string, patternId: string): Promise<PatternHistoryView> {
    const agent = await this.agentOf(this.db, actor, agentId);
    const row = await this.db.getRepository(IssuePatternEntity).findOneBy({ id: patternId, agent_id: agent.id, org_id: agent.org_id });
    if (!row) throw DomainError.notFound('pattern', patternId);
    return { ...toPatternView(row), status_history: row.status_history };
  }

  /** The open (status not resolved) `regression_compare` pattern of this baseline/candidate pair (metadata.baseline_run_id / candidate_run_id), or a new high-priority one. */
  findOrCreateRegressionPattern(m: EntityManager, input: RegressionPatternInput): Promise<{ pattern: PatternView; created: boolean }> {
    return this.regressions.findOrCreate(m, input);
  }

  /**
   * A clean compare: moves the agent's open `regression_compare` patterns measured against the same
   * baseline run (whatever their candidate: the new candidate is the fix under test) to `verifying`
   * where the matrix allows; records history, a `pattern_status_changed` event per pattern, one
   * `remediation_verified` when any moved, and activity. Events go through `emit` when given (so the
   * caller's `withEvents` enqueues them after its commit), else straight into the outbox (the sweeper delivers).
   */
  verifyRemediation(m: EntityManager, input: RemediationInput, emit?: EmitEvent): Promise<{ auto_closed: number; updated_patterns: string[] }> {
    return this.regressions.verify(m, input, emit ?? ((event) => this.outbox.record(m, event)));
  }

  private async agentOf(db: DataSource | EntityManager, actor: Actor, agentId: string): Promise<AgentEntity> {
    return OrgScope.of(actor).findOne(db, AgentEntity, agentId, 'agent');
  }

  private async lockPattern(m: EntityManager, agent: AgentEntity, patternId: string): Promise<IssuePatternEntity> {
    const row = await m
      .getRepository(IssuePatternEntity)
      .findOne({ where: { id: patternId, agent_id: agent.id, org_id: agent.org_id }, lock: { mode: 'pessimistic_write' } });
    if (!row) throw DomainError.notFound('pattern', patternId);
    return row;
  }

  /** Moves the status (checked against the matrix) and appends the history entry; null when the status stays. */
  private applyStatus(actor: Actor, row: IssuePatternEntity, input: UpdatePatternInput, now: Date): PatternStatusChange | null {
    const planned = planStatusChange({
      from: row.status,
      to: input.status ?? row.status,
      force: input.force === true,
      global_admin: isGlobalAdmin(actor),
      by_key_id: actor.key_id,
      note: input.status_note ?? null,
      resolved_date: input.resolved_date ? new Date(input.resolved_date) : null,
      now,
    });
    if (!planned) return null;
    row.status = planned.entry.to;
    row.resolved_date = planned.resolved_date;
    row.status_history = [...row.status_history, planned.entry];
    return planned.entry;
  }

  private applyFields(row: IssuePatternEntity, input: UpdatePatternInput): void {
    if (input.priority !== undefined) row.priority = input.priority;
    if (input.owner !== undefined) row.owner = input.owner;
    if (input.root_cause !== undefined) row.root_cause = input.root_cause;
    if (input.suggested_fix !== undefined) row.suggested_fix = input.suggested_fix;
    if (input.tags !== undefined) row.tags = input.tags;
    if (input.linked_case_ids !== undefined) row.linked_case_ids = input.linked_case_ids;
    if (input.verification !== undefined) row.verification = input.verification;
  }

  /** A resolved date only belongs to a resolved pattern; a resolved one may have its date corrected. */
  private applyResolvedDate(row: IssuePatternEntity, input: UpdatePatternInput): void {
    if (input.resolved_date === undefined || input.resolved_date === null) return;
    if (row.status !== 'resolved') {
      throw DomainError.validation('resolved_date only applies to a resolved pattern', [{ field: 'resolved_date', messages: ['only for a resolved pattern'] }]);
    }
    row.resolved_date = new Date(input.resolved_date);
  }
}
