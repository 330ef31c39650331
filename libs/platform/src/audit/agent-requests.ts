/**
 * Which audited calls are about one agent. Audit rows carry no agent id, so a call belongs to the
 * agent when any of these holds:
 * - an activity event of the agent was recorded by that call: same request id and same API key
 *   (the key check keeps a client-chosen `X-Request-Id` of another key from borrowing the agent);
 *   this finds calls whose body named the agent, e.g. a run created for it or a golden set uploaded;
 * - its path names the agent: `/api/v1/agents/{agent_id}/...` (or the legacy `/api/agents/...`),
 *   which also finds refused calls (400, 404, 409) that recorded no activity;
 * - its path names one of the agent's runs: `/api/v1/eval/runs/{run_id}/...` (execute, start, cancel).
 *
 * The condition for a query builder over `api_audit_logs` aliased `alias`; parameters
 * `audit_agent` (the agent id) and `audit_agent_org` (its org).
 */
export const AGENT_REQUEST_CONDITION = (alias: string) => `(
  (${alias}.request_id, ${alias}.api_key_id) IN (
    SELECT a.request_id, a.actor_key_id FROM activity_events a
    WHERE a.agent_id = :audit_agent AND a.org_id = :audit_agent_org AND a.request_id IS NOT NULL)
  OR ${alias}.path ~ ('^/api(/v1)?/agents/' || :audit_agent || '(/|$)')
  OR lower(substring(${alias}.path from '^/api(?:/v1)?/eval/runs/([0-9A-Fa-f-]{36})(?:/|$)')) IN (
    SELECT r.id::text FROM eval_runs r WHERE r.agent_id = :audit_agent AND r.org_id = :audit_agent_org)
)`;
