import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { SloPolicyEntity, SloViolationEntity } from '@greenlight/database';
import { SloPolicyView, toPolicyView } from './slo-policy.types';
import { OpenSloViolations, toViolationView } from './slo-violation.types';

/**
 * Reads an agent's SLO policy and open violations for the features that decide on them (the launch
 * gate, the health views). No tenant decision here: callers pass the org and agent they already scoped.
 */
@Injectable()
export class SloReader {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The agent's policy, or null when it has none. */
  async findForAgent(orgId: string, agentId: string, m?: EntityManager): Promise<SloPolicyView | null> {
    const row = await (m ?? this.db.manager).findOneBy(SloPolicyEntity, { org_id: orgId, agent_id: agentId });
    return row ? toPolicyView(row) : null;
  }

  /** The agent's open violations, newest first, at most `limit` of them, with the total open. */
  async openViolations(orgId: string, agentId: string, limit = 100, m?: EntityManager): Promise<OpenSloViolations> {
    const [rows, total] = await (m ?? this.db.manager).findAndCount(SloViolationEntity, {
      where: { org_id: orgId, agent_id: agentId, status: 'open' },
      order: { created_at: 'DESC', id: 'DESC' },
      take: limit,
    });
    return { total, items: rows.map(toViolationView) };
  }

  /** How many violations are open per agent of the org (agents without any are absent). One query. */
  async openCountsByAgent(orgId: string, agentIds?: string[]): Promise<Map<string, number>> {
    const params: unknown[] = [orgId];
    let filter = '';
    if (agentIds) {
      params.push(agentIds);
      filter = ' AND agent_id = ANY($2)';
    }
    const rows: { agent_id: string; n: number }[] = await this.db.query(
      `SELECT agent_id, count(*)::int AS n FROM slo_violations WHERE org_id = $1 AND status = 'open'${filter} GROUP BY agent_id`,
      params,
    );
    return new Map(rows.map((r) => [r.agent_id, Number(r.n)]));
  }
}
