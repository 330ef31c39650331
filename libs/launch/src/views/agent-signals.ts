import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AgentHealthView, DecisionRef, PatternCounts } from './views.types';

const PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;

const noPatterns = (): PatternCounts => ({ open_total: 0, by_priority: { critical: 0, high: 0, medium: 0, low: 0 } });

/**
 * What is open against one agent, for its health page (see `brief`); health selects the same columns
 * in its own statement. Callers pass the org and agent they already scoped.
 */
@Injectable()
export class AgentSignals {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * What one agent's health page shows besides the gate and the latest run, in one query: patterns not
   * resolved by priority, open violations, whether it has an SLO policy, its readiness checklist in
   * short and its latest launch decision (the newest decision record of its chain).
   */
  async brief(orgId: string, agentId: string): Promise<AgentBrief> {
    const [row]: BriefRow[] = await this.db.query(`SELECT ${briefColumns('$1::uuid', '$2::uuid')}`, [orgId, agentId]);
    return briefFrom(row);
  }
}

/**
 * The brief of one agent as columns to select (see AgentSignals.brief); `org` and `agent` are SQL
 * expressions of the org and agent ids (e.g. columns of an outer query).
 */
export function briefColumns(org: string, agent: string): string {
  return `(SELECT coalesce(json_object_agg(priority, n), '{}') FROM (
            SELECT priority, count(*)::int AS n FROM issue_patterns
             WHERE org_id = ${org} AND agent_id = ${agent} AND status <> 'resolved' GROUP BY priority) p) AS brief_patterns,
         (SELECT count(*)::int FROM slo_violations WHERE org_id = ${org} AND agent_id = ${agent} AND status = 'open') AS brief_open_violations,
         EXISTS (SELECT 1 FROM slo_policies WHERE org_id = ${org} AND agent_id = ${agent}) AS brief_has_policy,
         (SELECT json_build_object('pending_count', pending_count, 'decision_snapshot', decision_snapshot, 'updated_at', updated_at)
            FROM agent_readiness WHERE org_id = ${org} AND agent_id = ${agent}) AS brief_readiness,
         (SELECT json_build_object('id', id, 'decision', decision, 'reason', reason, 'created_at', created_at) FROM launch_records
           WHERE org_id = ${org} AND agent_id = ${agent} AND kind = 'decision' ORDER BY seq DESC LIMIT 1) AS brief_decision`;
}

/** The brief from a row holding the columns of `briefColumns`. */
export function briefFrom(row: BriefRow): AgentBrief {
  const patterns = noPatterns();
  for (const [priority, n] of Object.entries(row.brief_patterns ?? {})) {
    if (!(PRIORITIES as readonly string[]).includes(priority)) continue;
    patterns.by_priority[priority as (typeof PRIORITIES)[number]] = Number(n);
    patterns.open_total += Number(n);
  }
  const r = row.brief_readiness;
  const d = row.brief_decision;
  return {
    patterns,
    open_slo_violations: Number(row.brief_open_violations),
    has_slo_policy: row.brief_has_policy,
    readiness: r
      ? { exists: true, pending_count: Number(r.pending_count), decision_snapshot: r.decision_snapshot, updated_at: new Date(r.updated_at).toISOString() }
      : { exists: false, pending_count: 0, decision_snapshot: null, updated_at: null },
    latest_decision: d ? { id: d.id, decision: d.decision, reason: d.reason, created_at: new Date(d.created_at).toISOString() } : null,
  };
}

/** The columns of `briefColumns` as the driver returns them. */
export interface BriefRow {
  brief_patterns: Record<string, number> | null;
  brief_open_violations: number;
  brief_has_policy: boolean;
  brief_readiness: { pending_count: number; decision_snapshot: Record<string, unknown> | null; updated_at: string } | null;
  brief_decision: { id: string; decision: string; reason: string | null; created_at: string } | null;
}

export interface AgentBrief {
  patterns: PatternCounts;
  open_slo_violations: number;
  has_slo_policy: boolean;
  readiness: AgentHealthView['readiness'];
  latest_decision: DecisionRef | null;
}
