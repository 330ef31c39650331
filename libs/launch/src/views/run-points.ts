import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { EvalRunEntity, RunType } from '@greenlight/database';
import { RunRates, RunStatistics } from '@greenlight/evaluation';
import { OrgScope } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';
import { AgentGroup, agentSql, isEmptyGroup } from './agent-group';
import { CompletedRunRates } from './completed-run-rates';
import type { RunPoint } from './views.types';

/** The columns of a completed run the views show, and the pass threshold its rates need. */
export interface RunRow {
  agent_id: string;
  id: string;
  name: string;
  run_type: RunType;
  judge_config_hash: string | null;
  total_cases: number;
  completed_at: Date | string;
  pass_threshold: string | number | null;
}

const RUN_COLUMNS = `r.agent_id, r.id, r.name, r.run_type, r.judge_config_hash, r.total_cases, r.completed_at,
  r.config #> '{profile,scoring_scale,pass_threshold}' AS pass_threshold`;

/**
 * One agent's latest completed run as a JSON column `latest_run` (null when it has none), to select
 * with other things; `org` and `agent` are SQL expressions of the ids. Read it with `pointOf`.
 */
export function latestRunColumn(org: string, agent: string): string {
  return `(SELECT row_to_json(x) FROM (
     SELECT ${RUN_COLUMNS} FROM eval_runs r
      WHERE r.agent_id = ${agent} AND r.org_id = ${org} AND r.status = 'completed'
      ORDER BY r.completed_at DESC, r.created_at DESC, r.id ASC LIMIT 1) x) AS latest_run`;
}

/**
 * Completed runs with their rates, for the trend, health and portfolio views. The rates are the runs'
 * own (RunStatistics: the same numbers as each run's summary and the run list), computed for all the
 * runs of a view in one grouped query over the results of those runs only, and remembered (a
 * completed run's results no longer change: see CompletedRunRates).
 *
 * "Latest" is the one meaning used everywhere: newest completion time, then creation time, then id.
 */
@Injectable()
export class RunPoints {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly statistics: RunStatistics,
    private readonly memo: CompletedRunRates,
  ) {}

  /** Each agent's latest completed run with its rates (agents without one are absent). One or two queries. */
  async latestByAgent(group: AgentGroup): Promise<Map<string, RunPoint>> {
    if (isEmptyGroup(group)) return new Map();
    const params: unknown[] = [group.orgId];
    const agents = agentSql(group, params);
    const rows: RunRow[] = await this.db.query(
      `SELECT x.* FROM ${agents.relation}
       CROSS JOIN LATERAL (
         SELECT ${RUN_COLUMNS} FROM eval_runs r
         WHERE r.agent_id = ag.id AND r.org_id = $1 AND r.status = 'completed'
         ORDER BY r.completed_at DESC, r.created_at DESC, r.id ASC LIMIT 1) x`,
      params,
    );
    const points = await this.withRates(rows);
    return new Map(points.map((p, i) => [rows[i].agent_id, p]));
  }

  /**
   * The agent's newest `limit` completed runs (completed at or after `since` when given, of `runType`
   * when given), oldest first, if the actor may see the agent (its org, or any for a global key); null
   * for an agent out of scope or missing. The agent is found in the same query as its runs.
   */
  async windowInScope(
    actor: Actor,
    agentId: string,
    q: { limit: number; since?: Date; runType?: RunType },
  ): Promise<{ agent: { id: string; org_id: string }; points: RunPoint[] } | null> {
    const params: unknown[] = [agentId, q.limit];
    let filter = '';
    if (q.since) {
      params.push(q.since);
      filter += ` AND r.completed_at >= $${params.length}`;
    }
    if (q.runType) {
      params.push(q.runType);
      filter += ` AND r.run_type = $${params.length}`;
    }
    const rows: (Omit<RunRow, 'id'> & { id: string | null; scoped_id: string; scoped_org_id: string })[] = await this.db.query(
      `SELECT a.id AS scoped_id, a.org_id AS scoped_org_id, x.* FROM agents a
       LEFT JOIN LATERAL (
         SELECT ${RUN_COLUMNS} FROM eval_runs r
         WHERE r.agent_id = a.id AND r.org_id = a.org_id AND r.status = 'completed'${filter}
         ORDER BY r.completed_at DESC, r.created_at DESC, r.id ASC LIMIT $2) x ON true
       WHERE a.id = $1 AND ${OrgScope.of(actor).sql('a.org_id', params)}`,
      params,
    );
    if (rows.length === 0) return null;
    const runs = rows.filter((r): r is typeof r & { id: string } => r.id !== null);
    return { agent: { id: rows[0].scoped_id, org_id: rows[0].scoped_org_id }, points: (await this.withRates(runs)).reverse() };
  }

  /** Points of runs read with `latestRunColumn` (null: no completed run). */
  async pointOf(row: RunRow | null): Promise<RunPoint | null> {
    return row ? (await this.withRates([row]))[0] : null;
  }

  private async withRates(rows: RunRow[]): Promise<RunPoint[]> {
    const rates = new Map<string, RunRates>();
    const missing: RunRow[] = [];
    for (const r of rows) {
      const known = this.memo.get(r.id, r.completed_at);
      if (known) rates.set(r.id, known);
      else missing.push(r);
    }
    if (missing.length > 0) {
      // RunStatistics reads a run's id and its profile's pass threshold; nothing else of the run.
      const runs = missing.map(
        (r) =>
          ({
            id: r.id,
            config: { profile: { scoring_scale: { pass_threshold: r.pass_threshold === null ? undefined : Number(r.pass_threshold) } } },
          }) as unknown as EvalRunEntity,
      );
      const computed = await this.statistics.ratesFor(runs);
      for (const r of missing) {
        const value = computed.get(r.id)!;
        this.memo.set(r.id, r.completed_at, value);
        rates.set(r.id, value);
      }
    }
    return rows.map((r) => ({
      run_id: r.id,
      name: r.name,
      run_type: r.run_type,
      judge_config_hash: r.judge_config_hash,
      completed_at: new Date(r.completed_at).toISOString(),
      total_cases: Number(r.total_cases),
      ...rates.get(r.id)!,
    }));
  }
}
