import type { DataSource, EntityManager } from 'typeorm';
import { EvalRunEntity } from '@greenlight/database';

/**
 * The agent's newest completed run: by completion time, then creation time, then id (a total order).
 * The one meaning of "latest" wherever a run is named by reference or a "current" run is needed.
 */
export function latestCompletedRun(db: DataSource | EntityManager, agent: { id: string; org_id: string }): Promise<EvalRunEntity | null> {
  return db
    .getRepository(EvalRunEntity)
    .createQueryBuilder('r')
    .where('r.agent_id = :agent AND r.org_id = :org AND r.status = :status', { agent: agent.id, org: agent.org_id, status: 'completed' })
    .orderBy('r.completed_at', 'DESC', 'NULLS LAST')
    .addOrderBy('r.created_at', 'DESC')
    .addOrderBy('r.id', 'ASC')
    .getOne();
}
