import type { DataSource } from 'typeorm';
import { DomainError, OrgScope } from '@greenlight/platform';
import type { Actor } from '@greenlight/tenancy';

export interface ScopedAgent {
  id: string;
  org_id: string;
  name: string;
  status: string;
}

/** The agent if the actor may see it (its org, or any for a global key); 404 as for a missing one otherwise. */
export async function agentInScope(db: DataSource, actor: Actor, agentId: string): Promise<ScopedAgent> {
  const params: unknown[] = [agentId];
  const rows: ScopedAgent[] = await db.query(
    `SELECT id, org_id, name, status FROM agents WHERE id = $1 AND ${OrgScope.of(actor).sql('org_id', params)}`,
    params,
  );
  if (rows.length === 0) throw DomainError.notFound('agent', agentId);
  return rows[0];
}
