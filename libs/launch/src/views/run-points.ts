import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { EvalRunEntity, RunType } from '@greenlight/database';
import { RunStatistics } from '@greenlight/evaluation';
import type { RunPoint } from './views.types';

/** The columns of a completed run the views show, and the pass threshold its rates need. */
interface RunRow {
  agent_id: string;
  id: string;
  name: string;
  run_type: RunType;
  judge_config_hash: string | null;
  total_cases: number;
  completed_at: Date;
  pass_threshold: string | number | null;
}

const RUN_COLUMNS = `r.agent_id, r.id, r.name, r.run_type, r.judge_config_hash, r.total_cases, r.completed_at,
  r.config #> '{profile,scoring_scale,pass_threshold}' AS pass_threshold`;

/**
 * Completed runs with their rates, for the trend, health and portfolio views. The rates are the runs'
 * own (RunStatistics: the same numbers as each run's summary and the run list), computed for all the
 * runs of a view in one grouped query over the results of those runs only.
 *
 * "Latest" is the one meaning used everywhere: newest completion time, then creation time, then id.
 */
@Injectable()
export class RunPoints {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly statistics: RunStatistics,
  ) {}

  /** Each agent's latest completed run with its rates (agents without one are absent). Two queries. */
  async latestByAgent(orgId: string, agentIds: string[]): Promise<Map<string, RunPoint>> {
    if (agentIds.length === 0) return new Map();
    const rows: RunRow[] = await this.db.query(
      `SELECT x.* FROM unnest($2::uuid[]) AS ag(id)
       CROSS JOIN LATERAL (
         SELECT ${RUN_COLUMNS} FROM eval_runs r
         WHERE r.agent_id = ag.id AND r.org_id = $1 AND r.status = 'completed'
         ORDER BY r.completed_at DESC, r.created_at DESC, r.id ASC LIMIT 1) x`,
      [orgId, agentIds],
    );
    const points = await this.withRates(rows);
    return new Map(points.map((p, i) => [rows[i].agent_id, p]));
  }

  /**
   * The agent's newest `limit` completed runs (completed at or after `since` when given, of `runType`
   * when given), oldest first. Two queries.
   */
  async window(orgId: string, agentId: string, q: { limit: number; since?: Date; runType?: RunType }): Promise<RunPoint[]> {
    const params: unknown[] = [orgId, agentId, q.limit];
    let filter = '';
    if (q.since) {
      params.push(q.since);
      filter += ` AND r.completed_at >= $${params.length}`;
    }
    if (q.runType) {
      params.push(q.runType);
      filter += ` AND r.run_type = $${params.length}`;
    }
    const rows: RunRow[] = await this.db.query(
      `SELECT ${RUN_COLUMNS} FROM eval_runs r
       WHERE r.agent_id = $2 AND r.org_id = $1 AND r.status = 'completed'${filter}
       ORDER BY r.completed_at DESC, r.created_at DESC, r.id ASC LIMIT $3`,
      params,
    );
    return (await this.withRates(rows)).reverse();
  }

  private async withRates(rows: RunRow[]): Promise<RunPoint[]> {
    // RunStatistics reads a run's id and its profile's pass threshold; nothing else of the run.
    const runs = rows.map(
      (r) =>
        ({
          id: r.id,
          config: { profile: { scoring_scale: { pass_threshold: r.pass_threshold === null ? undefined : Number(r.pass_threshold) } } },
        }) as unknown as EvalRunEntity,
    );
    const rates = await this.statistics.ratesFor(runs);
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
