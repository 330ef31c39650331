import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AgentStatus, AgentType, ErrorCode } from '@greenlight/contracts';
import { AgentEntity, Page, PageRequest } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { ActivityService, assertSavableUrl, DomainError, GuardedHttpClient, isUniqueViolation, OrgScope, paginate } from '@greenlight/platform';
import { EvalProfilesService } from '../profiles/eval-profiles.service';

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
  /** Calls per second evaluation runs may make to the agent, across every worker; null = unlimited. */
  max_calls_per_second: number | null;
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
  max_calls_per_second?: number | null;
  metadata?: Record<string, unknown>;
}

/** The fields an update may change; absent ones stay as they are. */
export type UpdateAgentInput = Partial<Omit<CreateAgentInput, 'org_id' | 'agent_type'>>;

export interface AgentListFilter {
  org_id?: string;
  status?: AgentStatus;
  agent_type?: AgentType;
}

@Injectable()
export class AgentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly profiles: EvalProfilesService,
    private readonly activity: ActivityService,
    private readonly http: GuardedHttpClient,
  ) {}

  async list(actor: Actor, filter: AgentListFilter, page: PageRequest): Promise<Page<AgentView>> {
    const scope = await OrgScope.resolve(this.dataSource, actor, filter.org_id);
    const qb = scope.query(this.dataSource, AgentEntity, 'a');
    if (filter.status) qb.andWhere('a.status = :status', { status: filter.status });
    if (filter.agent_type) qb.andWhere('a.agent_type = :type', { type: filter.agent_type });
    qb.orderBy('a.created_at', 'DESC').addOrderBy('a.id', 'ASC');
    return paginate(qb, page, present);
  }

  async create(actor: Actor, input: CreateAgentInput): Promise<AgentView> {
    const scope = await OrgScope.resolve(this.dataSource, actor, input.org_id);
    if (scope.orgId === null) {
      throw DomainError.validation('org_id is required when a global key creates an agent', [{ field: 'org_id', messages: ['is required for global keys'] }]);
    }
    const orgId = scope.orgId;
    if (input.api_endpoint) {
      // The same policy every call applies; a name that does not resolve yet is accepted (the agent
      // may not be deployed) and is checked again, with its addresses, at every call.
      await assertSavableUrl(this.http, input.api_endpoint, { field: 'api_endpoint', label: 'agent api_endpoint', allowUnresolved: true });
    }
    if (input.eval_profile_id) {
      const profile = await this.profiles.findUsableBy(scope, input.eval_profile_id);
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
            max_calls_per_second: input.max_calls_per_second ?? null,
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

  /** Changes the fields `input` names; records agent_updated with the names of the fields that changed. */
  async update(actor: Actor, id: string, input: UpdateAgentInput): Promise<AgentView> {
    const agent = await this.load(actor, id);
    if (input.api_endpoint) {
      await assertSavableUrl(this.http, input.api_endpoint, { field: 'api_endpoint', label: 'agent api_endpoint', allowUnresolved: true });
    }
    if (input.eval_profile_id) {
      const scope = await OrgScope.resolve(this.dataSource, actor, agent.org_id);
      if (!(await this.profiles.findUsableBy(scope, input.eval_profile_id))) {
        throw new DomainError(ErrorCode.EVAL_PROFILE_NOT_FOUND, 'eval_profile_id does not name a built-in profile or one of this org', {
          eval_profile_id: input.eval_profile_id,
        });
      }
    }
    const next: Partial<AgentEntity> = {};
    for (const field of UPDATABLE) {
      const value = input[field];
      if (value === undefined) continue;
      const wanted = field === 'name' ? (value as string).trim() : value;
      if (JSON.stringify(wanted) !== JSON.stringify(agent[field])) (next as Record<string, unknown>)[field] = wanted;
    }
    const changed = Object.keys(next);
    if (changed.length === 0) return present(agent);
    try {
      const saved = await this.dataSource.transaction(async (manager) => {
        const updated = await manager.save(Object.assign(agent, next));
        await this.activity.record(manager, actor, { org_id: agent.org_id, agent_id: agent.id, event_type: 'agent_updated', metadata: { fields: changed } });
        return updated;
      });
      return present(saved);
    } catch (err) {
      if (isUniqueViolation(err, 'agents_org_name_uq')) {
        throw new DomainError(ErrorCode.AGENT_NAME_TAKEN, `an agent named "${String(input.name).trim()}" already exists in this org`, { name: input.name });
      }
      throw err;
    }
  }

  async get(actor: Actor, id: string): Promise<AgentView> {
    return present(await this.load(actor, id));
  }

  /** The agent if `actor` may see it; NOT_FOUND otherwise (also for another org's agent). */
  async load(actor: Actor, id: string): Promise<AgentEntity> {
    return OrgScope.of(actor).findOne(this.dataSource, AgentEntity, id, 'agent');
  }
}

const UPDATABLE = ['name', 'description', 'status', 'api_endpoint', 'owner', 'eval_profile_id', 'max_calls_per_second', 'metadata'] as const;

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
    max_calls_per_second: a.max_calls_per_second,
    metadata: a.metadata,
    created_at: a.created_at,
    updated_at: a.updated_at,
  };
}
