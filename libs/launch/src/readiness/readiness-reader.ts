import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AgentReadinessEntity } from '@greenlight/database';
import { ReadinessView, toReadinessView } from './readiness.types';

/** Reads an agent's readiness checklist for the launch gate and the views (callers scoped the agent already). */
@Injectable()
export class ReadinessReader {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The agent's checklist, or null when it has none. */
  async findForAgent(orgId: string, agentId: string, m?: EntityManager): Promise<ReadinessView | null> {
    const row = await (m ?? this.db.manager).findOneBy(AgentReadinessEntity, { org_id: orgId, agent_id: agentId });
    return row ? toReadinessView(row) : null;
  }
}
