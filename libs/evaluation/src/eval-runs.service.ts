import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { ErrorCode } from '@greenlight/contracts';
import { EvalResultEntity, EvalRunArtifactEntity, EvalRunEntity, GoldenSetEntity, Page, PageRequest, RunStatus, RunType } from '@greenlight/database';
import { Actor, scopedById } from '@greenlight/tenancy';
import { AgentsService } from '@greenlight/accounts';
import { DomainError } from '@greenlight/platform';
import { EvalProfilesService } from '@greenlight/accounts';
import { resolveOrgScope } from '@greenlight/platform';
import { EvalTemplatesService } from './eval-templates.service';
import { RequestedExecutorMode, resolveExecutorConfig } from './executors';
import { CASES_AS_OF_SQL, RunConfig } from './run-config';
import { RunLifecycle } from './lifecycle/run-lifecycle';

/** Per-run knobs; a template's `config` holds the same fields. */
export interface RunOptions {
  judge_mode?: 'deterministic' | 'provider';
  judge_model?: string;
  executor_mode?: RequestedExecutorMode;
  agent_timeout_ms?: number;
  response_output_path?: string;
  response_sources_path?: string;
  require_golden_set_quality_gate?: boolean;
  min_active_case_count?: number;
  min_verified_case_ratio?: number;
}

export interface CreateRunInput extends RunOptions {
  agent_id: string;
  golden_set_id?: string;
  template_id?: string;
  name?: string;
  run_type?: RunType;
  design_context?: Record<string, unknown>;
}

export interface RunRates {
  result_count: number;
  /** Cases whose agent call failed; the answer/source/quality rates cover the other cases only. */
  error_count: number;
  error_rate: number;
  answer_correct_rate: number;
  source_correct_rate: number;
  quality_pass_rate: number;
  pass_rate: number;
}

export interface RunView {
  id: string;
  org_id: string;
  agent_id: string;
  golden_set_id: string;
  template_id: string | null;
  name: string;
  run_type: RunType;
  status: RunStatus;
  config: RunConfig;
  design_context: Record<string, unknown>;
  total_cases: number;
  completed_cases: number;
  /** Results stored for the run: the counter every result write moves in the same statement (free to read). */
  result_count: number;
  progress: number;
  failure_code: string | null;
  failure_reason: string | null;
  started_at: Date | null;
  completed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface AgentLatestView {
  agent_id: string;
  agent_name: string;
  /** The most recent eval run of the agent with its rates; null until the agent has runs. */
  latest_run: (RunView & { rates: RunRates }) | null;
}

export interface RunSummary {
  run_id: string;
  status: RunStatus;
  total_cases: number;
  result_count: number;
  scored_count: number;
  error_count: number;
  answer: { evaluated: number; correct: number; rate: number };
  source: { evaluated: number; correct: number; rate: number };
  quality: { evaluated: number; average_score: number; pass_count: number; pass_rate: number; pass_threshold: number };
  passed_count: number;
  pass_rate: number;
  by_mode: { answer: number; criteria: number };
}

export interface ResultFilter {
  evaluation_mode?: 'answer' | 'criteria';
  status?: 'scored' | 'error';
  answer_correct?: boolean;
  source_correct?: boolean;
  passed?: boolean;
  min_quality_score?: number;
  max_quality_score?: number;
  case_id?: string;
  issue_tag?: string;
}

const ratio = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 10_000) / 10_000);

/** Eval runs: creation with frozen config, reads (list, get, results, summary, artifacts), transitions. */
@Injectable()
export class EvalRunsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly agents: AgentsService,
    private readonly profiles: EvalProfilesService,
    private readonly templates: EvalTemplatesService,
    private readonly lifecycle: RunLifecycle,
    private readonly config: AppConfig,
  ) {}

  async create(actor: Actor, input: CreateRunInput): Promise<RunView> {
    const agent = await this.agents.load(actor, input.agent_id);
    let options: RunOptions = pickOptions(input);
    let goldenSetId = input.golden_set_id;
    let runType: RunType = input.run_type ?? 'standard';
    let designContext = input.design_context ?? {};
    if (input.template_id) {
      const template = await this.templates.get(actor, input.template_id);
      const problems: string[] = [];
      if (template.org_id !== agent.org_id) problems.push('the template belongs to another org');
      if (template.agent_type !== agent.agent_type) problems.push(`the template is for ${template.agent_type} agents, this agent is ${agent.agent_type}`);
      if (input.run_type && input.run_type !== template.run_type) problems.push(`the template is for ${template.run_type} runs, not ${input.run_type}`);
      if (problems.length) {
        throw new DomainError(ErrorCode.EVAL_TEMPLATE_INCOMPATIBLE, problems.join('; '), { template_id: template.id, problems });
      }
      options = { ...pickOptions(template.config as RunOptions), ...options };
      goldenSetId ??= template.golden_set_id ?? undefined;
      runType = template.run_type;
      designContext = { ...template.design_context, ...designContext };
    }
    if (!goldenSetId) {
      throw DomainError.validation('golden_set_id is required (or a template with a default golden set)', [
        { field: 'golden_set_id', messages: ['is required'] },
      ]);
    }
    const set = await this.db.getRepository(GoldenSetEntity).findOneBy({ id: goldenSetId, agent_id: agent.id });
    if (!set) {
      throw DomainError.validation('golden_set_id does not name a golden set of this agent', [
        { field: 'golden_set_id', messages: ['must be a golden set of the agent'] },
      ]);
    }
    const judgeMode = options.judge_mode ?? 'deterministic';
    if (judgeMode === 'provider' && !this.config.get('OPENAI_API_KEY')) {
      throw new DomainError(ErrorCode.EVAL_JUDGE_CONFIG_ERROR, 'judge_mode provider needs OPENAI_API_KEY to be configured on the server');
    }
    const profile = await this.profiles.resolveForAgent(agent);
    const executor = resolveExecutorConfig(options.executor_mode ?? 'auto', agent.api_endpoint, {
      timeout_ms: options.agent_timeout_ms ?? this.config.get('EVAL_AGENT_TIMEOUT_MS'),
      mapping: { output_path: options.response_output_path ?? null, sources_path: options.response_sources_path ?? null },
    });

    const run = await this.lifecycle.create(actor, async (m) => {
      const [{ now }] = await m.query(`SELECT now() AS now`);
      const [{ n }] = await m.query(
        `SELECT count(*)::int AS n FROM golden_set_cases c WHERE c.golden_set_id = $1 AND ${CASES_AS_OF_SQL.replace(/:asOf/g, '$2')}`,
        [set.id, now],
      );
      if (Number(n) === 0) {
        throw new DomainError(ErrorCode.GOLDEN_SET_EMPTY, 'the golden set has no active cases', { golden_set_id: set.id });
      }
      // Criteria cases may only name dimensions the profile defines: refuse now, not after the agent was called.
      const named: { d: string }[] = await m.query(
        `SELECT DISTINCT unnest(c.dimensions) AS d FROM golden_set_cases c WHERE c.golden_set_id = $1 AND ${CASES_AS_OF_SQL.replace(/:asOf/g, '$2')}`,
        [set.id, now],
      );
      const known = new Set(profile.dimensions.map((d) => d.key));
      const unknown = named.map((r) => r.d).filter((d) => !known.has(d));
      if (unknown.length) {
        throw new DomainError(
          ErrorCode.EVAL_POLICY_CONTRACT_ERROR,
          `cases name dimensions the profile "${profile.name}" does not define: ${unknown.join(', ')}`,
          {
            violations: unknown.map((d) => ({ rule: 'unknown_dimension', field: 'dimensions', message: `unknown dimension "${d}"`, value: d })),
            profile_id: profile.id,
            known_dimensions: [...known],
          },
        );
      }
      const config: RunConfig = {
        golden_set_version: set.version,
        cases_as_of: new Date(now).toISOString(),
        judge: {
          mode: judgeMode,
          model: judgeMode === 'provider' ? (options.judge_model ?? this.config.get('EVAL_JUDGE_MODEL')) : null,
          prompt_version: judgeMode === 'provider' ? 'provider-v1' : 'deterministic-v1',
        },
        executor,
        profile: {
          id: profile.id,
          name: profile.name,
          version: profile.version,
          dimensions: profile.dimensions,
          scoring_scale: profile.scoring_scale,
          issue_tags: profile.issue_tags,
        },
        gates: {
          require_golden_set_quality_gate: options.require_golden_set_quality_gate ?? false,
          min_active_case_count: options.min_active_case_count ?? 1,
          min_verified_case_ratio: options.min_verified_case_ratio ?? 0,
        },
      };
      return {
        org_id: agent.org_id,
        agent_id: agent.id,
        golden_set_id: set.id,
        template_id: input.template_id ?? null,
        name: input.name ?? '',
        run_type: runType,
        config: config as unknown as Record<string, unknown>,
        design_context: designContext,
        total_cases: Number(n),
      };
    });
    return presentRun(run);
  }

  async list(
    actor: Actor,
    filter: { org_id?: string; agent_id?: string; status?: RunStatus; run_type?: RunType; golden_set_id?: string },
    page: PageRequest,
  ): Promise<Page<RunView & { rates: RunRates }>> {
    const org = await resolveOrgScope(this.db, actor, filter.org_id, false);
    const qb = this.db.getRepository(EvalRunEntity).createQueryBuilder('r');
    if (org !== null) qb.andWhere('r.org_id = :org', { org });
    if (filter.agent_id) qb.andWhere('r.agent_id = :agent', { agent: filter.agent_id });
    if (filter.status) qb.andWhere('r.status = :status', { status: filter.status });
    if (filter.run_type) qb.andWhere('r.run_type = :rt', { rt: filter.run_type });
    if (filter.golden_set_id) qb.andWhere('r.golden_set_id = :gs', { gs: filter.golden_set_id });
    qb.orderBy('r.created_at', 'DESC').addOrderBy('r.id', 'ASC').take(page.limit).skip(page.offset);
    const [rows, total] = await qb.getManyAndCount();
    const rates = await this.ratesFor(
      rows.map((r) => r.id),
      rows,
    );
    return { items: rows.map((r) => ({ ...presentRun(r), rates: rates.get(r.id)! })), limit: page.limit, offset: page.offset, total };
  }

  /** `GET /agents/{id}/latest`: the agent's most recent run with its rates; null until it has one. */
  async latestForAgent(actor: Actor, agentId: string): Promise<AgentLatestView> {
    const agent = await this.agents.load(actor, agentId);
    const run = await this.db.getRepository(EvalRunEntity).findOne({ where: { agent_id: agent.id }, order: { created_at: 'DESC', id: 'ASC' } });
    if (!run) return { agent_id: agent.id, agent_name: agent.name, latest_run: null };
    const rates = await this.ratesFor([run.id], [run]);
    return { agent_id: agent.id, agent_name: agent.name, latest_run: { ...presentRun(run), rates: rates.get(run.id)! } };
  }

  private async ratesFor(ids: string[], runs: EvalRunEntity[]): Promise<Map<string, RunRates>> {
    const out = new Map<string, RunRates>();
    for (const id of ids)
      out.set(id, { result_count: 0, error_count: 0, error_rate: 0, answer_correct_rate: 0, source_correct_rate: 0, quality_pass_rate: 0, pass_rate: 0 });
    if (ids.length === 0) return out;
    const threshold = new Map(runs.map((r) => [r.id, (r.config as unknown as RunConfig).profile?.scoring_scale?.pass_threshold ?? 4]));
    const rows: Record<string, string | number>[] = await this.db.query(
      `SELECT run_id, count(*)::int AS n,
              count(*) FILTER (WHERE answer_correct IS NOT NULL)::int AS a_n, count(*) FILTER (WHERE answer_correct)::int AS a_ok,
              count(*) FILTER (WHERE source_correct IS NOT NULL)::int AS s_n, count(*) FILTER (WHERE source_correct)::int AS s_ok,
              count(*) FILTER (WHERE status = 'scored')::int AS q_n, count(*) FILTER (WHERE passed)::int AS p_ok,
              count(*) FILTER (WHERE status = 'error')::int AS e_n,
              array_agg(quality_score) FILTER (WHERE status = 'scored') AS scores
       FROM eval_results WHERE run_id = ANY($1) GROUP BY run_id`,
      [ids],
    );
    for (const r of rows) {
      const t = threshold.get(String(r.run_id)) ?? 4;
      const scores = ((r.scores as unknown as (string | number)[] | null) ?? []).map(Number);
      out.set(String(r.run_id), {
        result_count: Number(r.n),
        error_count: Number(r.e_n),
        error_rate: ratio(Number(r.e_n), Number(r.n)),
        answer_correct_rate: ratio(Number(r.a_ok), Number(r.a_n)),
        source_correct_rate: ratio(Number(r.s_ok), Number(r.s_n)),
        quality_pass_rate: ratio(scores.filter((s) => s >= t).length, Number(r.q_n)),
        pass_rate: ratio(Number(r.p_ok), Number(r.n)),
      });
    }
    return out;
  }

  async get(actor: Actor, id: string): Promise<RunView> {
    return presentRun(await this.load(actor, id));
  }

  /** The run row if `actor` may see it; NOT_FOUND otherwise. */
  async load(actor: Actor, id: string): Promise<EvalRunEntity> {
    const run = await this.db.getRepository(EvalRunEntity).findOneBy(scopedById(actor, id));
    if (!run) throw DomainError.notFound('eval run', id);
    return run;
  }

  async results(actor: Actor, runId: string, filter: ResultFilter, page: PageRequest): Promise<Page<Omit<EvalResultEntity, 'org_id'>>> {
    const run = await this.load(actor, runId);
    const qb = this.db.getRepository(EvalResultEntity).createQueryBuilder('x').where('x.run_id = :run', { run: run.id });
    if (filter.evaluation_mode) qb.andWhere('x.evaluation_mode = :mode', { mode: filter.evaluation_mode });
    if (filter.status) qb.andWhere('x.status = :st', { st: filter.status });
    if (filter.answer_correct !== undefined) qb.andWhere('x.answer_correct = :ac', { ac: filter.answer_correct });
    if (filter.source_correct !== undefined) qb.andWhere('x.source_correct = :sc', { sc: filter.source_correct });
    if (filter.passed !== undefined) qb.andWhere('x.passed = :p', { p: filter.passed });
    if (filter.min_quality_score !== undefined) qb.andWhere('x.quality_score >= :minq', { minq: filter.min_quality_score });
    if (filter.max_quality_score !== undefined) qb.andWhere('x.quality_score <= :maxq', { maxq: filter.max_quality_score });
    if (filter.case_id) qb.andWhere('x.case_id = :cid', { cid: filter.case_id });
    if (filter.issue_tag) qb.andWhere(':tag = ANY(x.issue_tags)', { tag: filter.issue_tag });
    qb.orderBy('x.created_at', 'ASC').addOrderBy('x.id', 'ASC').take(page.limit).skip(page.offset);
    const [rows, total] = await qb.getManyAndCount();
    return { items: rows.map(({ org_id: _o, ...r }) => r), limit: page.limit, offset: page.offset, total };
  }

  async summary(actor: Actor, runId: string): Promise<RunSummary> {
    const run = await this.load(actor, runId);
    return this.summarize(run);
  }

  async summarize(run: EvalRunEntity): Promise<RunSummary> {
    const threshold = (run.config as unknown as RunConfig).profile.scoring_scale.pass_threshold;
    const [r] = await this.db.query(
      `SELECT count(*)::int AS n,
              count(*) FILTER (WHERE status = 'scored')::int AS scored,
              count(*) FILTER (WHERE status = 'error')::int AS errors,
              count(*) FILTER (WHERE answer_correct IS NOT NULL)::int AS a_n, count(*) FILTER (WHERE answer_correct)::int AS a_ok,
              count(*) FILTER (WHERE source_correct IS NOT NULL)::int AS s_n, count(*) FILTER (WHERE source_correct)::int AS s_ok,
              coalesce(avg(quality_score) FILTER (WHERE status = 'scored'), 0)::float AS q_avg,
              count(*) FILTER (WHERE status = 'scored' AND quality_score >= $2)::int AS q_ok,
              count(*) FILTER (WHERE passed)::int AS passed,
              count(*) FILTER (WHERE evaluation_mode = 'answer')::int AS m_answer,
              count(*) FILTER (WHERE evaluation_mode = 'criteria')::int AS m_criteria
       FROM eval_results WHERE run_id = $1`,
      [run.id, threshold],
    );
    return {
      run_id: run.id,
      status: run.status,
      total_cases: run.total_cases,
      result_count: r.n,
      scored_count: r.scored,
      error_count: r.errors,
      answer: { evaluated: r.a_n, correct: r.a_ok, rate: ratio(r.a_ok, r.a_n) },
      source: { evaluated: r.s_n, correct: r.s_ok, rate: ratio(r.s_ok, r.s_n) },
      quality: {
        evaluated: r.scored,
        average_score: Math.round(Number(r.q_avg) * 100) / 100,
        pass_count: r.q_ok,
        pass_rate: ratio(r.q_ok, r.scored),
        pass_threshold: threshold,
      },
      passed_count: r.passed,
      pass_rate: ratio(r.passed, r.n),
      by_mode: { answer: r.m_answer, criteria: r.m_criteria },
    };
  }

  async artifacts(
    actor: Actor,
    runId: string,
    filter: { case_id?: string; evaluation_mode?: 'answer' | 'criteria' },
    page: PageRequest,
  ): Promise<Page<Omit<EvalRunArtifactEntity, 'org_id'>>> {
    const run = await this.load(actor, runId);
    const qb = this.db.getRepository(EvalRunArtifactEntity).createQueryBuilder('a').where('a.run_id = :run', { run: run.id });
    if (filter.case_id) qb.andWhere('a.case_id = :cid', { cid: filter.case_id });
    if (filter.evaluation_mode) qb.andWhere('a.evaluation_mode = :mode', { mode: filter.evaluation_mode });
    qb.orderBy('a.created_at', 'ASC').addOrderBy('a.id', 'ASC').take(page.limit).skip(page.offset);
    const [rows, total] = await qb.getManyAndCount();
    return { items: rows.map(({ org_id: _o, ...a }) => a), limit: page.limit, offset: page.offset, total };
  }
}

function pickOptions(src: RunOptions): RunOptions {
  const keys: (keyof RunOptions)[] = [
    'judge_mode',
    'judge_model',
    'executor_mode',
    'agent_timeout_ms',
    'response_output_path',
    'response_sources_path',
    'require_golden_set_quality_gate',
    'min_active_case_count',
    'min_verified_case_ratio',
  ];
  const out: Record<string, unknown> = {};
  for (const k of keys) if (src[k] !== undefined && src[k] !== null) out[k] = src[k];
  return out as RunOptions;
}

export function presentRun(r: EvalRunEntity): RunView {
  return {
    id: r.id,
    org_id: r.org_id,
    agent_id: r.agent_id,
    golden_set_id: r.golden_set_id,
    template_id: r.template_id,
    name: r.name,
    run_type: r.run_type,
    status: r.status,
    config: r.config as unknown as RunConfig,
    design_context: r.design_context,
    total_cases: r.total_cases,
    completed_cases: r.completed_cases,
    result_count: r.completed_cases,
    progress: r.total_cases === 0 ? 0 : Math.round((r.completed_cases / r.total_cases) * 10_000) / 10_000,
    failure_code: r.failure_code,
    failure_reason: r.failure_reason,
    started_at: r.started_at,
    completed_at: r.completed_at,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}
