import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first tables of the decision layer: issue patterns (problems of an agent tracked through a
 * lifecycle), stored compares of a baseline and a candidate run (the evidence a promotion needs), and
 * the run registry (named baseline and candidate references of an agent, one active baseline each).
 */
export class DecisionLayer1763850000000 implements MigrationInterface {
  name = 'DecisionLayer1763850000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE issue_patterns (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
        description text NOT NULL DEFAULT '',
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'fixed', 'verifying', 'resolved')),
        priority text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high', 'critical')),
        owner text,
        root_cause text,
        suggested_fix text,
        tags text[] NOT NULL DEFAULT '{}',
        primary_tag text,
        linked_case_ids uuid[] NOT NULL DEFAULT '{}',
        verification jsonb,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        status_history jsonb NOT NULL DEFAULT '[]'::jsonb,
        resolved_date timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX issue_patterns_agent_idx ON issue_patterns (org_id, agent_id, status, created_at DESC, id)`);
    await q.query(`CREATE INDEX issue_patterns_tag_idx ON issue_patterns (agent_id, primary_tag, status)`);

    await q.query(`
      CREATE TABLE eval_compares (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        baseline_run_id uuid NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
        candidate_run_id uuid NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
        mode text NOT NULL CHECK (mode IN ('direct', 'reference')),
        baseline_ref text,
        candidate_ref text,
        compared_case_count integer NOT NULL,
        unpaired_case_count integer NOT NULL,
        regression_count integer NOT NULL,
        improvement_count integer NOT NULL,
        verdict text NOT NULL CHECK (verdict IN ('regressed', 'improved', 'no_significant_change', 'inconclusive')),
        alpha double precision NOT NULL,
        deltas jsonb NOT NULL,
        statistics jsonb NOT NULL,
        body jsonb NOT NULL,
        pattern_id uuid REFERENCES issue_patterns(id) ON DELETE SET NULL,
        api_key_id uuid,
        request_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX eval_compares_pair_idx ON eval_compares (agent_id, baseline_run_id, candidate_run_id, created_at DESC)`);
    await q.query(`CREATE INDEX eval_compares_org_idx ON eval_compares (org_id, created_at DESC, id)`);

    await q.query(`
      CREATE TABLE run_registry (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('baseline', 'candidate')),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100 AND name NOT IN ('active', 'current', 'latest')),
        run_id uuid NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
        is_active boolean NOT NULL DEFAULT false,
        notes text,
        promoted_from_compare_id uuid REFERENCES eval_compares(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (agent_id, kind, name)
      )`);
    await q.query(`CREATE UNIQUE INDEX run_registry_one_active_idx ON run_registry (agent_id, kind) WHERE is_active`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE run_registry`);
    await q.query(`DROP TABLE eval_compares`);
    await q.query(`DROP TABLE issue_patterns`);
  }
}
