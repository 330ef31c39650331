import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AgentGroup, agentSql, isEmptyGroup } from './agent-group';
import type { DecisionRef } from './views.types';

/**
 * The latest launch decision (go, no_go, rollback) of each agent, read from its append-only launch
 * record chain: the newest decision record by chain position. One query for any number of agents.
 */
@Injectable()
export class LatestDecisions {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async forAgents(group: AgentGroup): Promise<Map<string, DecisionRef>> {
    if (isEmptyGroup(group)) return new Map();
    const params: unknown[] = [group.orgId];
    const agents = agentSql(group, params);
    const rows: { agent_id: string; id: string; decision: string; reason: string | null; created_at: Date }[] = await this.db.query(
      `SELECT x.* FROM ${agents.relation}
       CROSS JOIN LATERAL (
         SELECT l.agent_id, l.id, l.decision, l.reason, l.created_at FROM launch_records l
         WHERE l.agent_id = ag.id AND l.org_id = $1 AND l.kind = 'decision'
         ORDER BY l.seq DESC LIMIT 1) x`,
      params,
    );
    return new Map(rows.map((r) => [r.agent_id, { id: r.id, decision: r.decision, reason: r.reason, created_at: new Date(r.created_at).toISOString() }]));
  }
}
