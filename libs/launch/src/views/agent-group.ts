/**
 * The agents of one org a view reads: the listed ones, or (`wholeOrg`) every agent of the org, in
 * which case the queries select them by org instead of shipping the whole list of ids to the database.
 */
export type AgentGroup = { orgId: string; wholeOrg: true } | { orgId: string; ids: string[]; wholeOrg: false };

/** No agent at all: a listed group with no ids (a whole org may have agents the caller has not listed). */
export const isEmptyGroup = (group: AgentGroup): boolean => !group.wholeOrg && group.ids.length === 0;

/**
 * SQL for the group as a relation `ag(id)`, and as a condition on a table's `agent_id` column. The org
 * is `$1`; a listed group's ids are appended to `params`.
 */
export function agentSql(group: AgentGroup, params: unknown[]): { relation: string; condition: (column: string) => string } {
  if (group.wholeOrg) return { relation: `(SELECT id FROM agents WHERE org_id = $1) AS ag(id)`, condition: () => 'TRUE' };
  params.push(group.ids);
  const n = params.length;
  return { relation: `unnest($${n}::uuid[]) AS ag(id)`, condition: (column) => `${column} = ANY($${n}::uuid[])` };
}
