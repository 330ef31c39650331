import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, Repository } from 'typeorm';
import type { AgentType } from '@greenlight/contracts';
import { EvalProfileEntity, Page, PageRequest, ProfileDimension, ProfileScoringScale } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { DomainError } from '../domain-error';

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

/** Eval profiles: the five built-ins (readable by every key) and each org's own. */
@Injectable()
export class EvalProfilesService {
  constructor(@InjectRepository(EvalProfileEntity) private readonly profiles: Repository<EvalProfileEntity>) {}

  async list(
    actor: Actor,
    filter: { agent_type?: AgentType; is_builtin?: boolean },
    page: PageRequest,
  ): Promise<Page<EvalProfileView>> {
    const qb = this.visible(actor);
    if (filter.agent_type) qb.andWhere('p.agent_type = :type', { type: filter.agent_type });
    if (filter.is_builtin !== undefined) qb.andWhere('p.is_builtin = :b', { b: filter.is_builtin });
    qb.orderBy('p.is_builtin', 'DESC').addOrderBy('p.name', 'ASC').addOrderBy('p.id', 'ASC').take(page.limit).skip(page.offset);
    const [rows, total] = await qb.getManyAndCount();
    return { items: rows.map(present), limit: page.limit, offset: page.offset, total };
  }

  async get(actor: Actor, id: string): Promise<EvalProfileView> {
    const row = await this.visible(actor).andWhere('p.id = :id', { id }).getOne();
    if (!row) throw DomainError.notFound('eval profile', id);
    return present(row);
  }

  /** The profile if it is usable by agents of `orgId` (a built-in or that org's own), else null. */
  async findUsableBy(orgId: string, id: string): Promise<EvalProfileView | null> {
    const row = await this.profiles
      .createQueryBuilder('p')
      .where('p.id = :id', { id })
      .andWhere(new Brackets((w) => w.where('p.org_id IS NULL').orWhere('p.org_id = :org', { org: orgId })))
      .getOne();
    return row ? present(row) : null;
  }

  /**
   * The profile that governs an agent's runs (step 28): its own `eval_profile_id` first, else the
   * built-in profile of its agent type.
   */
  async resolveForAgent(agent: { org_id: string; agent_type: AgentType; eval_profile_id: string | null }): Promise<EvalProfileView> {
    if (agent.eval_profile_id) {
      const own = await this.findUsableBy(agent.org_id, agent.eval_profile_id);
      if (own) return own;
    }
    const builtin = await this.profiles.findOneBy({ is_builtin: true, agent_type: agent.agent_type });
    if (!builtin) throw DomainError.notFound('built-in eval profile', agent.agent_type);
    return present(builtin);
  }

  private visible(actor: Actor) {
    const qb = this.profiles.createQueryBuilder('p');
    if (actor.org_id !== null) {
      qb.where(new Brackets((w) => w.where('p.org_id IS NULL').orWhere('p.org_id = :org', { org: actor.org_id })));
    }
    return qb;
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
