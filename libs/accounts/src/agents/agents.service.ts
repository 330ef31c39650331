import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { AgentStatus, AgentType, ErrorCode } from '@greenlight/contracts';
import { AgentEntity, Page, PageRequest } from '@greenlight/database';
import { Actor, scopedById } from '@greenlight/tenancy';
import { ActivityService } from '@greenlight/platform';
import { DomainError } from '@greenlight/platform';
import { isUniqueViolation } from '@greenlight/platform';
import { GuardedHttpClient } from '@greenlight/platform';
import { assertSavableUrl } from '@greenlight/platform';
import { EvalProfilesService } from '../profiles/eval-profiles.service';
import { resolveOrgScope } from '@greenlight/platform';
import { OrgsService } from '../orgs/orgs.service';

export interface AgentView {
  id: string;
  org_id: string;
  name: string;
  description: string;
  agent_type: AgentType;
  status: AgentStatus;
  api_endpoint: string | null;
  owner: string | null;
  eval_profile_id: string | null;
  metadata: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

export interface CreateAgentInput {
  org_id?: string;
  name: string;
  description?: string;
  agent_type: AgentType;
  status?: AgentStatus;
  api_endpoint?: string | null;
  owner?: string | null;
  eval_profile_id?: string | null;
  metadata?: Record<string, unknown>;
}

export interface AgentListFilter {
  org_id?: string;
  status?: AgentStatus;
  agent_type?: AgentType;
}

@Injectable()
export class AgentsService {
  constructor(
    @InjectRepository(AgentEntity) private readonly agents: Repository<AgentEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly orgs: OrgsService,
    private readonly profiles: EvalProfilesService,
    private readonly activity: ActivityService,
    private readonly http: GuardedHttpClient,
  ) {}

  async list(actor: Actor, filter: AgentListFilter, page: PageRequest): Promise<Page<AgentView>> {
    const org = await resolveOrgScope(this.dataSource, actor, filter.org_id, false);
    const qb = this.agents.createQueryBuilder('a');
    if (org !== null) qb.andWhere('a.org_id = :org', { org });
    if (filter.status) qb.andWhere('a.status = :status', { status: filter.status });
    if (filter.agent_type) qb.andWhere('a.agent_type = :type', { type: filter.agent_type });
    qb.orderBy('a.created_at', 'DESC').addOrderBy('a.id', 'ASC').take(page.limit).skip(page.offset);
    const [rows, total] = await qb.getManyAndCount();
    return { items: rows.map(present), limit: page.limit, offset: page.offset, total };
  }

  async create(actor: Actor, input: CreateAgentInput): Promise<AgentView> {
    const orgId = input.org_id ?? actor.org_id;
    if (!orgId) {
      throw DomainError.validation('org_id is required when a global key creates an agent', [{ field: 'org_id', messages: ['is required for global keys'] }]);
    }
    await this.orgs.assertAccessible(actor, orgId);
    if (input.api_endpoint) {
      // The same policy every call applies; a name that does not resolve yet is accepted (the agent
      // may not be deployed) and is checked again, with its addresses, at every call.
      await assertSavableUrl(this.http, input.api_endpoint, { field: 'api_endpoint', label: 'agent api_endpoint', allowUnresolved: true });
    }
    if (input.eval_profile_id) {
      const profile = await this.profiles.findUsableBy(orgId, input.eval_profile_id);
      if (!profile) {
        throw new DomainError(ErrorCode.EVAL_PROFILE_NOT_FOUND, 'eval_profile_id does not name a built-in profile or one of this org', {
          eval_profile_id: input.eval_profile_id,
        });
      }
    }
    try {
      const saved = await this.dataSource.transaction(async (manager) => {
        const agent = await manager.save(
          manager.create(AgentEntity, {
            org_id: orgId,
            name: input.name.trim(),
            description: input.description ?? '',
            agent_type: input.agent_type,
            status: input.status ?? 'draft',
            api_endpoint: input.api_endpoint ?? null,
            owner: input.owner ?? null,
            eval_profile_id: input.eval_profile_id ?? null,
            metadata: input.metadata ?? {},
          }),
        );
        await this.activity.record(manager, actor, {
          org_id: orgId,
          agent_id: agent.id,
          event_type: 'agent_created',
          metadata: { name: agent.name, agent_type: agent.agent_type },
        });
        return agent;
      });
      return present(saved);
    } catch (err) {
      if (isUniqueViolation(err, 'agents_org_name_uq')) {
        throw new DomainError(ErrorCode.AGENT_NAME_TAKEN, `an agent named "${input.name.trim()}" already exists in this org`, {
          name: input.name,
        });
      }
      throw err;
    }
  }

  async get(actor: Actor, id: string): Promise<AgentView> {
    return present(await this.load(actor, id));
  }

  /** The agent if `actor` may see it; NOT_FOUND otherwise (also for another org's agent). */
  async load(actor: Actor, id: string): Promise<AgentEntity> {
    const agent = await this.agents.findOneBy(scopedById(actor, id));
    if (!agent) throw DomainError.notFound('agent', id);
    return agent;
  }
}

function present(a: AgentEntity): AgentView {
  return {
    id: a.id,
    org_id: a.org_id,
    name: a.name,
    description: a.description,
    agent_type: a.agent_type,
    status: a.status,
    api_endpoint: a.api_endpoint,
    owner: a.owner,
    eval_profile_id: a.eval_profile_id,
    metadata: a.metadata,
    created_at: a.created_at,
    updated_at: a.updated_at,
  };
}
