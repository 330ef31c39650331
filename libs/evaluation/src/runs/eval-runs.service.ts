import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EvalResultEntity, EvalRunArtifactEntity, EvalRunEntity, EvalRunEventEntity, Page, PageRequest, RunStatus, RunType } from '@greenlight/database';
import type { Actor } from '@greenlight/tenancy';
import { AgentsService } from '@greenlight/accounts';
import { OrgScope, paginate } from '@greenlight/platform';
import { RunEventLog } from '../lifecycle/run-event-log';
import { RunStatistics } from './run-statistics';
import { AgentLatestView, presentRun, ResultFilter, RunRates, RunSummary, RunView } from './run-views';

/** Reading eval runs in the actor's org: list, one run, its results, summary, artifacts and events. */
@Injectable()
export class EvalRunsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly agents: AgentsService,
    private readonly statistics: RunStatistics,
    private readonly eventLog: RunEventLog,
  ) {}

  async list(
    actor: Actor,
    filter: { org_id?: string; agent_id?: string; status?: RunStatus; run_type?: RunType; golden_set_id?: string },
    page: PageRequest,
  ): Promise<Page<RunView & { rates: RunRates }>> {
    const scope = await OrgScope.resolve(this.db, actor, filter.org_id);
    const qb = scope.query(this.db, EvalRunEntity, 'r');
    if (filter.agent_id) qb.andWhere('r.agent_id = :agent', { agent: filter.agent_id });
    if (filter.status) qb.andWhere('r.status = :status', { status: filter.status });
    if (filter.run_type) qb.andWhere('r.run_type = :rt', { rt: filter.run_type });
    if (filter.golden_set_id) qb.andWhere('r.golden_set_id = :gs', { gs: filter.golden_set_id });
    const runs = await paginate(qb.orderBy('r.created_at', 'DESC').addOrderBy('r.id', 'ASC'), page);
    const rates = await this.statistics.ratesFor(runs.items);
    return { ...runs, items: runs.items.map((r) => ({ ...presentRun(r), rates: rates.get(r.id)! })) };
  }

  /** `GET /agents/{id}/latest`: the agent's most recent run with its rates; null until it has one. */
  async latestForAgent(actor: Actor, agentId: string): Promise<AgentLatestView> {
    const agent = await this.agents.load(actor, agentId);
    const where = OrgScope.of(actor).where({ agent_id: agent.id });
    const run = await this.db.getRepository(EvalRunEntity).findOne({ where, order: { created_at: 'DESC', id: 'ASC' } });
    if (!run) return { agent_id: agent.id, agent_name: agent.name, latest_run: null };
    const rates = await this.statistics.ratesFor([run]);
    return { agent_id: agent.id, agent_name: agent.name, latest_run: { ...presentRun(run), rates: rates.get(run.id)! } };
  }

  async get(actor: Actor, id: string): Promise<RunView> {
    return presentRun(await this.load(actor, id));
  }

  /** The run row if `actor` may see it; NOT_FOUND otherwise. */
  load(actor: Actor, id: string): Promise<EvalRunEntity> {
    return OrgScope.of(actor).findOne(this.db, EvalRunEntity, id, 'eval run');
  }

  async results(actor: Actor, runId: string, filter: ResultFilter, page: PageRequest): Promise<Page<Omit<EvalResultEntity, 'org_id'>>> {
    const scope = OrgScope.of(actor);
    const run = await scope.findOne(this.db, EvalRunEntity, runId, 'eval run');
    const qb = scope.query(this.db, EvalResultEntity, 'x').andWhere('x.run_id = :run', { run: run.id });
    if (filter.evaluation_mode) qb.andWhere('x.evaluation_mode = :mode', { mode: filter.evaluation_mode });
    if (filter.status) qb.andWhere('x.status = :st', { st: filter.status });
    if (filter.answer_correct !== undefined) qb.andWhere('x.answer_correct = :ac', { ac: filter.answer_correct });
    if (filter.source_correct !== undefined) qb.andWhere('x.source_correct = :sc', { sc: filter.source_correct });
    if (filter.passed !== undefined) qb.andWhere('x.passed = :p', { p: filter.passed });
    if (filter.min_quality_score !== undefined) qb.andWhere('x.quality_score >= :minq', { minq: filter.min_quality_score });
    if (filter.max_quality_score !== undefined) qb.andWhere('x.quality_score <= :maxq', { maxq: filter.max_quality_score });
    if (filter.case_id) qb.andWhere('x.case_id = :cid', { cid: filter.case_id });
    if (filter.issue_tag) qb.andWhere(':tag = ANY(x.issue_tags)', { tag: filter.issue_tag });
    return paginate(qb.orderBy('x.created_at', 'ASC').addOrderBy('x.id', 'ASC'), page, withoutOrg);
  }

  async summary(actor: Actor, runId: string, options: { asReviewed?: boolean } = {}): Promise<RunSummary> {
    const run = await this.load(actor, runId);
    return this.statistics.summarize(run, options);
  }

  async artifacts(
    actor: Actor,
    runId: string,
    filter: { case_id?: string; evaluation_mode?: 'answer' | 'criteria' },
    page: PageRequest,
  ): Promise<Page<Omit<EvalRunArtifactEntity, 'org_id'> & { judge_config_hash: string | null }>> {
    const scope = OrgScope.of(actor);
    const run = await scope.findOne(this.db, EvalRunEntity, runId, 'eval run');
    const qb = scope.query(this.db, EvalRunArtifactEntity, 'a').andWhere('a.run_id = :run', { run: run.id });
    if (filter.case_id) qb.andWhere('a.case_id = :cid', { cid: filter.case_id });
    if (filter.evaluation_mode) qb.andWhere('a.evaluation_mode = :mode', { mode: filter.evaluation_mode });
    // Every artifact names the judge configuration of its run, so an exported artifact says how it was judged.
    const present = (a: EvalRunArtifactEntity) => ({ ...withoutOrg(a), judge_config_hash: run.judge_config_hash });
    return paginate(qb.orderBy('a.created_at', 'ASC').addOrderBy('a.id', 'ASC'), page, present);
  }

  /** The run's lifecycle events, oldest first. */
  async events(actor: Actor, runId: string, page: PageRequest): Promise<Page<EvalRunEventEntity>> {
    const run = await this.load(actor, runId);
    return this.eventLog.list(run.id, page);
  }
}

/** Results and artifacts are shown without their org (the run's). */
function withoutOrg<T extends { org_id: string }>({ org_id: _org, ...rest }: T): Omit<T, 'org_id'> {
  return rest;
}
