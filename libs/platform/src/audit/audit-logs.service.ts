import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AgentEntity, ApiAuditLogEntity, Page, PageRequest } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { OrgScope } from '../data/org-scope';
import { paginate } from '../data/paginate';
import { AGENT_REQUEST_CONDITION } from './agent-requests';

export interface AuditLogView {
  id: string;
  request_id: string;
  api_key_id: string | null;
  org_id: string | null;
  method: string;
  path: string;
  status_code: number;
  latency_ms: number;
  error_code: string | null;
  created_at: Date;
}

export interface AuditLogFilter {
  org_id?: string;
  request_id?: string;
  path?: string;
  method?: string;
  status_code?: number;
  error_code?: string;
  /** Only calls about this agent (see AGENT_REQUEST_CONDITION); an agent outside the scope is a 404. */
  agent_id?: string;
}

export type AuditRow = Omit<AuditLogView, 'id' | 'created_at'> & { created_at?: Date };

@Injectable()
export class AuditLogsService {
  constructor(@InjectRepository(ApiAuditLogEntity) private readonly logs: Repository<ApiAuditLogEntity>) {}

  /** Inserts a batch of rows in one statement. */
  async insertMany(rows: AuditRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.logs.insert(rows);
  }

  async list(actor: Actor, filter: AuditLogFilter, page: PageRequest): Promise<Page<AuditLogView>> {
    const scope = await OrgScope.resolve(this.logs.manager, actor, filter.org_id);
    const qb = scope.query(this.logs.manager, ApiAuditLogEntity, 'l');
    if (filter.agent_id) {
      const agent = await scope.findOne(this.logs.manager, AgentEntity, filter.agent_id, 'agent');
      qb.andWhere(AGENT_REQUEST_CONDITION('l'), { audit_agent: agent.id, audit_agent_org: agent.org_id });
    }
    if (filter.request_id) qb.andWhere('l.request_id = :rid', { rid: filter.request_id });
    if (filter.path) qb.andWhere('l.path = :path', { path: filter.path });
    if (filter.method) qb.andWhere('l.method = :method', { method: filter.method.toUpperCase() });
    if (filter.status_code !== undefined) qb.andWhere('l.status_code = :sc', { sc: filter.status_code });
    if (filter.error_code) qb.andWhere('l.error_code = :ec', { ec: filter.error_code });
    qb.orderBy('l.created_at', 'DESC').addOrderBy('l.id', 'DESC');
    return paginate(qb, page);
  }
}
