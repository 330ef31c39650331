import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { ErrorCode, runTrials } from '@greenlight/contracts';
import { GoldenSetEntity } from '@greenlight/database';
import { AgentsService, EvalProfilesService, EvalProfileView } from '@greenlight/accounts';
import { DomainError } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import { ExecutorConfig, resolveExecutorConfig } from '../agent-calls/executors';
import type { RunConfig } from '@greenlight/contracts';
import { asOfSql } from '../execution/cases-as-of';
import { freezeJudge, judgeConfigHash, snapshotProfile } from './judge-config-hash';
import { RunLifecycle } from '../lifecycle/run-lifecycle';
import { EvalTemplatesService } from '../templates/eval-templates.service';
import { applyTemplate, CreateRunInput, requestOf, RunOptions } from './run-options';
import { assertBudgetPriced, storedBudget, storedGates } from './run-limits';
import { presentRun, RunView } from './run-views';

/**
 * `POST /eval/runs`: a pending run whose configuration is frozen now — golden set version and case
 * set, judge, executor and endpoint, a snapshot of the eval profile, the gates — so later edits to
 * any of them do not change a run in flight.
 */
@Injectable()
export class RunCreationService {
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
    const request = input.template_id ? applyTemplate(input, await this.templates.get(actor, input.template_id), agent) : requestOf(input);
    if (!request.golden_set_id) {
      throw DomainError.validation('golden_set_id is required (or a template with a default golden set)', [
        { field: 'golden_set_id', messages: ['is required'] },
      ]);
    }
    const set = await this.db.getRepository(GoldenSetEntity).findOneBy({ id: request.golden_set_id, agent_id: agent.id });
    if (!set) {
      throw DomainError.validation('golden_set_id does not name a golden set of this agent', [
        { field: 'golden_set_id', messages: ['must be a golden set of the agent'] },
      ]);
    }
    const { options } = request;
    if (options.judge_mode === 'provider' && !this.config.get('OPENAI_API_KEY')) {
      throw new DomainError(ErrorCode.EVAL_JUDGE_CONFIG_ERROR, 'judge_mode provider needs OPENAI_API_KEY to be configured on the server');
    }
    const judge = freezeJudge(options, this.config.get('EVAL_JUDGE_MODEL'));
    assertBudgetPriced(storedBudget(options), judge, this.config.get('EVAL_JUDGE_PRICES'));
    const profile = await this.profiles.resolveForAgent(agent);
    const executor = resolveExecutorConfig(options.executor_mode ?? 'auto', agent.api_endpoint, {
      timeout_ms: options.agent_timeout_ms ?? this.config.get('EVAL_AGENT_TIMEOUT_MS'),
      mapping: { output_path: options.response_output_path ?? null, sources_path: options.response_sources_path ?? null },
    });

    const run = await this.lifecycle.create(actor, async (m) => {
      // The run's cases are those active at this instant, the transaction's own.
      const [{ now }] = await m.query(`SELECT now() AS now`);
      const total = await countCases(m, set.id, now);
      await assertKnownDimensions(m, set.id, now, profile);
      const config = this.freeze(set, new Date(now), options, executor, profile);
      return {
        org_id: agent.org_id,
        agent_id: agent.id,
        golden_set_id: set.id,
        template_id: input.template_id ?? null,
        name: input.name ?? '',
        run_type: request.run_type,
        config,
        judge_config_hash: judgeConfigHash(config),
        design_context: request.design_context,
        // Progress counts executions: every trial of every case is one result.
        total_cases: total * runTrials({ trials: options.trials }),
      };
    });
    return presentRun(run);
  }

  /** The run's configuration; gates and budget hold only what was asked for (see run-limits). */
  private freeze(set: GoldenSetEntity, asOf: Date, options: RunOptions, executor: ExecutorConfig, profile: EvalProfileView): RunConfig {
    const budget = storedBudget(options);
    return {
      golden_set_version: set.version,
      cases_as_of: asOf.toISOString(),
      judge: freezeJudge(options, this.config.get('EVAL_JUDGE_MODEL')),
      executor,
      profile: snapshotProfile(profile),
      gates: storedGates(options),
      trials: options.trials ?? 1,
      ...(budget ? { budget } : {}),
    };
  }
}

/** The set's cases active at `asOf`; GOLDEN_SET_EMPTY when there are none. */
async function countCases(m: EntityManager, setId: string, asOf: unknown): Promise<number> {
  const [{ n }] = await m.query(`SELECT count(*)::int AS n FROM golden_set_cases c WHERE c.golden_set_id = $1 AND ${asOfSql('$2')}`, [setId, asOf]);
  if (Number(n) === 0) throw new DomainError(ErrorCode.GOLDEN_SET_EMPTY, 'the golden set has no active cases', { golden_set_id: setId });
  return Number(n);
}

/** Criteria cases may only name dimensions the profile defines: refused now, not after the agent was called. */
async function assertKnownDimensions(m: EntityManager, setId: string, asOf: unknown, profile: EvalProfileView): Promise<void> {
  const named: { d: string }[] = await m.query(
    `SELECT DISTINCT unnest(c.dimensions) AS d FROM golden_set_cases c WHERE c.golden_set_id = $1 AND ${asOfSql('$2')}`,
    [setId, asOf],
  );
  const known = new Set(profile.dimensions.map((d) => d.key));
  const unknown = named.map((r) => r.d).filter((d) => !known.has(d));
  if (unknown.length === 0) return;
  throw new DomainError(ErrorCode.EVAL_POLICY_CONTRACT_ERROR, `cases name dimensions the profile "${profile.name}" does not define: ${unknown.join(', ')}`, {
    violations: unknown.map((d) => ({ rule: 'unknown_dimension', field: 'dimensions', message: `unknown dimension "${d}"`, value: d })),
    profile_id: profile.id,
    known_dimensions: [...known],
  });
}
