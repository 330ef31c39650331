import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AgentEntity, EvalCompareEntity, EvalRunEntity, SloPolicyEntity } from '@greenlight/database';
import { RunStatistics } from '@greenlight/evaluation';
import { OrgScope } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import { SloCheck, checkCompare, checkRun } from './slo-checks';
import { SloPolicyView, SloThresholds, toPolicyView } from './slo-policy.types';
import { runFacts } from './slo-run-facts';
import { SloReader } from './slo-reader';
import { SloViolationView } from './slo-violation.types';

/** At most this many open violations are listed in a status; `open_violation_count` is always complete. */
export const STATUS_VIOLATION_CAP = 100;

export interface SloStatusView {
  agent_id: string;
  /** no_policy: nothing to check; violated: at least one violation is open; ok: none is. */
  status: 'no_policy' | 'ok' | 'violated';
  policy: SloPolicyView | null;
  open_violation_count: number;
  open_violations: SloViolationView[];
  open_violations_truncated: boolean;
  /** The agent's latest run to reach a terminal status, held to the current policy. */
  latest_run: { run_id: string; status: string; completed_at: string | null; checks: SloCheck[] } | null;
  /** The agent's latest stored compare, held to the current policy. */
  latest_compare: { compare_id: string; created_at: string; regression_count: number; verdict: string; checks: SloCheck[] } | null;
}

/** Where an agent stands against its SLO policy. */
@Injectable()
export class SloStatusService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly stats: RunStatistics,
    private readonly reader: SloReader,
  ) {}

  async status(actor: Actor, agentId: string): Promise<SloStatusView> {
    const agent = await OrgScope.of(actor).findOne(this.db, AgentEntity, agentId, 'agent');
    const [policyRow, open, run, compare] = await Promise.all([
      this.db.getRepository(SloPolicyEntity).findOneBy({ org_id: agent.org_id, agent_id: agent.id }),
      this.reader.openViolations(agent.org_id, agent.id, STATUS_VIOLATION_CAP),
      this.db
        .getRepository(EvalRunEntity)
        .createQueryBuilder('r')
        .where('r.org_id = :org AND r.agent_id = :agent', { org: agent.org_id, agent: agent.id })
        .andWhere(`r.status IN ('completed', 'failed', 'cancelled')`)
        .orderBy('r.completed_at', 'DESC', 'NULLS LAST')
        .addOrderBy('r.id', 'DESC')
        .getOne(),
      this.db
        .getRepository(EvalCompareEntity)
        .createQueryBuilder('c')
        .select(['c.id', 'c.created_at', 'c.regression_count', 'c.verdict'])
        .where('c.org_id = :org AND c.agent_id = :agent', { org: agent.org_id, agent: agent.id })
        .orderBy('c.created_at', 'DESC')
        .addOrderBy('c.id', 'DESC')
        .getOne(),
    ]);
    const t = (policyRow?.thresholds ?? {}) as SloThresholds;
    const latestRun =
      policyRow && run
        ? {
            run_id: run.id,
            status: run.status,
            completed_at: run.completed_at?.toISOString() ?? null,
            checks: checkRun(t, await runFacts(this.db, this.stats, run, t)),
          }
        : null;
    const latestCompare =
      policyRow && compare
        ? {
            compare_id: compare.id,
            created_at: compare.created_at.toISOString(),
            regression_count: compare.regression_count,
            verdict: compare.verdict,
            checks: checkCompare(t, compare),
          }
        : null;
    return {
      agent_id: agent.id,
      status: !policyRow ? 'no_policy' : open.total > 0 ? 'violated' : 'ok',
      policy: policyRow ? toPolicyView(policyRow) : null,
      open_violation_count: open.total,
      open_violations: open.items,
      open_violations_truncated: open.total > open.items.length,
      latest_run: latestRun,
      latest_compare: latestCompare,
    };
  }
}
