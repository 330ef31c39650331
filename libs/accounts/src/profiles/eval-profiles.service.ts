import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsWhere, IsNull, Repository } from 'typeorm';
import { AgentType, ErrorCode } from '@greenlight/contracts';
import { EvalProfileEntity, Page, PageRequest, ProfileDimension, ProfileScoringScale } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { DomainError, isUniqueViolation, OrgScope, paginate } from '@greenlight/platform';

export interface EvalProfileView {
  id: string;
  org_id: string | null;
  name: string;
  agent_type: AgentType;
  description: string;
  dimensions: ProfileDimension[];
  scoring_scale: ProfileScoringScale;
  issue_tags: string[];
  is_builtin: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface CreateProfileInput {
  org_id?: string;
  name: string;
  agent_type: AgentType;
  description?: string;
  dimensions: { key: string; name: string; description?: string; weight?: number; required?: boolean }[];
  issue_tags: string[];
  scoring_scale?: { criteria?: { min: number; max: number }; quality?: { min: number; max: number }; pass_threshold?: number };
}

/** The scales of the built-in profiles; an org profile may change the likert ranges and the pass threshold. */
export const DEFAULT_SCORING_SCALE: ProfileScoringScale = {
  criteria: { type: 'likert', min: 1, max: 5 },
  quality: { type: 'likert', min: 1, max: 5 },
  answer: { type: 'binary', values: ['correct', 'incorrect'] },
  source: { type: 'binary', values: ['correct', 'incorrect'] },
  pass_threshold: 4,
};

/** Eval profiles: the five built-ins (readable by every key) and each org's own. */
@Injectable()
export class EvalProfilesService {
  constructor(@InjectRepository(EvalProfileEntity) private readonly profiles: Repository<EvalProfileEntity>) {}

  async list(actor: Actor, filter: { agent_type?: AgentType; is_builtin?: boolean }, page: PageRequest): Promise<Page<EvalProfileView>> {
    const conditions: FindOptionsWhere<EvalProfileEntity> = {};
    if (filter.agent_type) conditions.agent_type = filter.agent_type;
    if (filter.is_builtin !== undefined) conditions.is_builtin = filter.is_builtin;
    const qb = this.visible(OrgScope.of(actor), conditions);
    qb.orderBy('p.is_builtin', 'DESC').addOrderBy('p.name', 'ASC').addOrderBy('p.id', 'ASC');
    return paginate(qb, page, present);
  }

  async get(actor: Actor, id: string): Promise<EvalProfileView> {
    const row = await this.findUsableBy(OrgScope.of(actor), id);
    if (!row) throw DomainError.notFound('eval profile', id);
    return row;
  }

  /**
   * An org-defined profile (the org's own policy: dimensions, issue-tag allow-list, scales). Its agents
   * use it through `eval_profile_id`; runs check every result against it (the policy contract).
   */
  async create(actor: Actor, input: CreateProfileInput): Promise<EvalProfileView> {
    const org = (await OrgScope.resolve(this.profiles.manager, actor, input.org_id, { required: true })).requireOrg();
    const problems: { field: string; messages: string[] }[] = [];
    const keys = input.dimensions.map((d) => d.key);
    if (new Set(keys).size !== keys.length) problems.push({ field: 'dimensions', messages: ['dimension keys must be unique'] });
    if (new Set(input.issue_tags).size !== input.issue_tags.length) problems.push({ field: 'issue_tags', messages: ['issue tags must be unique'] });
    const scale: ProfileScoringScale = {
      ...DEFAULT_SCORING_SCALE,
      criteria: { type: 'likert', ...(input.scoring_scale?.criteria ?? DEFAULT_SCORING_SCALE.criteria) },
      quality: { type: 'likert', ...(input.scoring_scale?.quality ?? DEFAULT_SCORING_SCALE.quality) },
      pass_threshold: input.scoring_scale?.pass_threshold ?? DEFAULT_SCORING_SCALE.pass_threshold,
    };
    for (const part of ['criteria', 'quality'] as const) {
      if (scale[part].min >= scale[part].max) problems.push({ field: `scoring_scale.${part}`, messages: ['min must be below max'] });
    }
    if (scale.pass_threshold < scale.quality.min || scale.pass_threshold > scale.quality.max) {
      problems.push({ field: 'scoring_scale.pass_threshold', messages: [`must lie within the quality scale ${scale.quality.min}..${scale.quality.max}`] });
    }
    if (problems.length) throw DomainError.validation('the profile is not valid', problems);
    try {
      const saved = await this.profiles.save(
        this.profiles.create({
          org_id: org,
          name: input.name.trim(),
          agent_type: input.agent_type,
          description: input.description ?? '',
          dimensions: input.dimensions.map((d) => ({
            key: d.key,
            name: d.name,
            description: d.description ?? '',
            weight: d.weight ?? 1,
            required: d.required ?? true,
          })),
          scoring_scale: scale,
          issue_tags: input.issue_tags,
          is_builtin: false,
        }),
      );
      return present(saved);
    } catch (err) {
      if (isUniqueViolation(err, 'eval_profiles_name_uq')) {
        throw new DomainError(ErrorCode.EVAL_PROFILE_NAME_TAKEN, `a profile named "${input.name.trim()}" already exists in this org`, { name: input.name });
      }
      throw err;
    }
  }

  /** The profile if it is usable in `scope` (a built-in or one of the scope's org), else null. */
  async findUsableBy(scope: OrgScope, id: string): Promise<EvalProfileView | null> {
    const row = await this.visible(scope, { id }).getOne();
    return row ? present(row) : null;
  }

  /**
   * The profile that governs an agent's runs: its own `eval_profile_id` first, else the
   * built-in profile of its agent type. The agent was loaded in its caller's scope, so its profile
   * is looked up in the agent's org: one of that org's own or a built-in.
   */
  async resolveForAgent(agent: { org_id: string; agent_type: AgentType; eval_profile_id: string | null }): Promise<EvalProfileView> {
    if (agent.eval_profile_id) {
      const id = agent.eval_profile_id;
      const own = await this.profiles.findOneBy([
        { id, org_id: agent.org_id },
        { id, org_id: IsNull() },
      ]);
      if (own) return present(own);
    }
    const builtin = await this.profiles.findOneBy({ is_builtin: true, agent_type: agent.agent_type });
    if (!builtin) throw DomainError.notFound('built-in eval profile', agent.agent_type);
    return present(builtin);
  }

  /**
   * Profiles matching `conditions` that the scope may see: its own rows, and the built-ins, which
   * belong to no org and are readable by every key.
   */
  private visible(scope: OrgScope, conditions: FindOptionsWhere<EvalProfileEntity>) {
    return this.profiles.createQueryBuilder('p').where([scope.where(conditions), { ...conditions, org_id: IsNull() }]);
  }
}

function present(p: EvalProfileEntity): EvalProfileView {
  return {
    id: p.id,
    org_id: p.org_id,
    name: p.name,
    agent_type: p.agent_type,
    description: p.description,
    dimensions: p.dimensions,
    scoring_scale: p.scoring_scale,
    issue_tags: p.issue_tags,
    is_builtin: p.is_builtin,
    version: p.version,
    created_at: p.created_at,
    updated_at: p.updated_at,
  };
}
