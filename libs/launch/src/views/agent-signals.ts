import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AgentGroup, agentSql } from './agent-group';
import type { PatternCounts } from './views.types';

const PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;

const noPatterns = (): PatternCounts => ({ open_total: 0, by_priority: { critical: 0, high: 0, medium: 0, low: 0 } });

/** Per agent of an org: what is open against it. */
export interface OpenCounts {
  patterns: PatternCounts;
  open_slo_violations: number;
}

/**
 * Counts of what is open against agents: issue patterns not yet resolved (by priority) and open SLO
 * violations. One grouped query for any number of agents, so a page of agents or a whole org costs
 * the same number of round trips. Callers pass the org and agents they already scoped.
 */
@Injectable()
export class AgentSignals {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Every agent of the group gets an entry (zeros when nothing is open). */
  async openCounts(group: AgentGroup): Promise<Map<string, OpenCounts>> {
    const out = new Map<string, OpenCounts>(group.ids.map((id) => [id, { patterns: noPatterns(), open_slo_violations: 0 }]));
    if (group.ids.length === 0) return out;
    const params: unknown[] = [group.orgId];
    const agents = agentSql(group, params);
    const rows: { agent_id: string; kind: string; priority: string | null; n: number }[] = await this.db.query(
      `SELECT agent_id, 'pattern' AS kind, priority, count(*)::int AS n FROM issue_patterns
        WHERE org_id = $1 AND ${agents.condition('agent_id')} AND status <> 'resolved' GROUP BY agent_id, priority
       UNION ALL
       SELECT agent_id, 'violation', NULL, count(*)::int FROM slo_violations
        WHERE org_id = $1 AND ${agents.condition('agent_id')} AND status = 'open' GROUP BY agent_id`,
      params,
    );
    for (const r of rows) {
      const counts = out.get(r.agent_id);
      if (!counts) continue;
      if (r.kind === 'violation') counts.open_slo_violations = Number(r.n);
      else if ((PRIORITIES as readonly string[]).includes(r.priority ?? '')) {
        counts.patterns.by_priority[r.priority as (typeof PRIORITIES)[number]] += Number(r.n);
        counts.patterns.open_total += Number(r.n);
      }
    }
    return out;
  }

  /** The agent's readiness checklist in short: pending items and the decision it supports. */
  async readiness(orgId: string, agentId: string) {
    const rows: { pending_count: number; decision_snapshot: Record<string, unknown> | null; updated_at: Date }[] = await this.db.query(
      `SELECT pending_count, decision_snapshot, updated_at FROM agent_readiness WHERE org_id = $1 AND agent_id = $2`,
      [orgId, agentId],
    );
    const r = rows[0];
    return r
      ? { exists: true, pending_count: Number(r.pending_count), decision_snapshot: r.decision_snapshot, updated_at: new Date(r.updated_at).toISOString() }
      : { exists: false, pending_count: 0, decision_snapshot: null, updated_at: null };
  }

  async hasSloPolicy(orgId: string, agentId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM slo_policies WHERE org_id = $1 AND agent_id = $2`, [orgId, agentId]);
    return rows.length > 0;
  }
}
