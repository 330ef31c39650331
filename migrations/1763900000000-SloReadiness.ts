import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Launch readiness and SLO guardrails: one readiness checklist and one SLO policy per agent, and the
 * violations a run or a compare opens when it breaches a policy threshold.
 */
export class SloReadiness1763900000000 implements MigrationInterface {
  name = 'SloReadiness1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE agent_readiness (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
      agent_id uuid NOT NULL UNIQUE REFERENCES agents(id) ON DELETE CASCADE,
      items jsonb NOT NULL DEFAULT '[]'::jsonb,
      pending_count integer NOT NULL DEFAULT 0 CONSTRAINT agent_readiness_pending CHECK (pending_count >= 0),
      decision_snapshot jsonb,
      updated_by_key_id uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX agent_readiness_org ON agent_readiness (org_id)`);
    await q.query(`CREATE TABLE slo_policies (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
      agent_id uuid NOT NULL UNIQUE REFERENCES agents(id) ON DELETE CASCADE,
      thresholds jsonb NOT NULL,
      version integer NOT NULL DEFAULT 1,
      updated_by_key_id uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE slo_violations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
      agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
      policy_id uuid NOT NULL REFERENCES slo_policies(id) ON DELETE CASCADE,
      policy_version integer NOT NULL,
      metric text NOT NULL,
      observed_value double precision,
      threshold_value double precision,
      details jsonb NOT NULL DEFAULT '{}'::jsonb,
      source_run_id uuid REFERENCES eval_runs(id) ON DELETE SET NULL,
      -- a compare opens its violations in the transaction that stores it, before its row is written
      source_compare_id uuid REFERENCES eval_compares(id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
      status text NOT NULL DEFAULT 'open' CONSTRAINT slo_violations_status CHECK (status IN ('open', 'resolved')),
      resolution text CONSTRAINT slo_violations_resolution CHECK (resolution IN ('manual', 'remediation')),
      resolution_reason text,
      resolved_by_key_id uuid,
      resolved_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT slo_violations_resolved CHECK ((status = 'open') = (resolved_at IS NULL))
    )`);
    await q.query(`CREATE UNIQUE INDEX slo_violations_once_per_run ON slo_violations (metric, source_run_id) WHERE source_run_id IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX slo_violations_once_per_compare ON slo_violations (metric, source_compare_id) WHERE source_compare_id IS NOT NULL`);
    await q.query(`CREATE INDEX slo_violations_agent_status ON slo_violations (org_id, agent_id, status, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE slo_violations`);
    await q.query(`DROP TABLE slo_policies`);
    await q.query(`DROP TABLE agent_readiness`);
  }
}
