import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Evaluation core: golden sets and cases (with governance), eval templates, eval runs with their
 * state machine enforced by a trigger, results (one per case per run) and per-case artifacts.
 * Never edit once it has run anywhere: add a new migration.
 */
export class EvaluationCore1763790000000 implements MigrationInterface {
  name = 'EvaluationCore1763790000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TYPE evaluation_mode AS ENUM ('answer', 'criteria')`);
    await q.query(`CREATE TYPE case_difficulty AS ENUM ('easy', 'medium', 'hard')`);
    await q.query(`CREATE TYPE scenario_type AS ENUM ('happy_path', 'edge_case', 'adversarial', 'regression')`);
    await q.query(`CREATE TYPE run_status AS ENUM ('pending', 'running', 'completed', 'failed', 'cancelled')`);
    await q.query(`CREATE TYPE run_type AS ENUM ('standard', 'regression', 'smoke', 'calibration')`);
    await q.query(`CREATE TYPE result_status AS ENUM ('scored', 'error')`);

    await q.query(`
      CREATE TABLE golden_sets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
        description text NOT NULL DEFAULT '',
        version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
        source_format text NOT NULL CHECK (source_format IN ('json', 'csv', 'jsonl', 'xlsx')),
        source_filename text,
        created_by_key_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX golden_sets_agent_idx ON golden_sets (agent_id, created_at DESC)`);
    await q.query(`CREATE INDEX golden_sets_org_idx ON golden_sets (org_id, created_at DESC)`);

    await q.query(`
      CREATE TABLE golden_set_cases (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        golden_set_id uuid NOT NULL REFERENCES golden_sets(id) ON DELETE CASCADE,
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        position integer NOT NULL CHECK (position >= 0),
        external_id text,
        input text NOT NULL CHECK (length(input) > 0),
        evaluation_mode evaluation_mode NOT NULL,
        expected_answer text,
        expected_sources text[] NOT NULL DEFAULT '{}',
        criteria text,
        dimensions text[] NOT NULL DEFAULT '{}',
        difficulty case_difficulty NOT NULL DEFAULT 'medium',
        scenario_type scenario_type NOT NULL DEFAULT 'happy_path',
        capability text NOT NULL DEFAULT 'general',
        tags text[] NOT NULL DEFAULT '{}',
        version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
        is_active boolean NOT NULL DEFAULT true,
        superseded_by uuid REFERENCES golden_set_cases(id) ON DELETE SET NULL,
        superseded_at timestamptz,
        verified_at timestamptz,
        last_reviewed_at timestamptz,
        review_notes text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT golden_set_cases_mode_fields CHECK (
          (evaluation_mode = 'answer' AND expected_answer IS NOT NULL AND criteria IS NULL AND cardinality(dimensions) = 0)
          OR (evaluation_mode = 'criteria' AND expected_answer IS NULL AND cardinality(expected_sources) = 0
              AND (criteria IS NOT NULL OR cardinality(dimensions) > 0))
        ),
        CONSTRAINT golden_set_cases_active_not_superseded CHECK (is_active = (superseded_at IS NULL))
      )`);
    await q.query(`CREATE INDEX golden_set_cases_set_idx ON golden_set_cases (golden_set_id, position, id)`);

    await q.query(`
      CREATE TABLE golden_set_case_reviews (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES golden_set_cases(id) ON DELETE CASCADE,
        golden_set_id uuid NOT NULL REFERENCES golden_sets(id) ON DELETE CASCADE,
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        action text NOT NULL CHECK (action IN ('verified', 'superseded')),
        notes text,
        reviewer_key_id uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX golden_set_case_reviews_case_idx ON golden_set_case_reviews (case_id, created_at)`);

    await q.query(`
      CREATE TABLE eval_templates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
        description text NOT NULL DEFAULT '',
        agent_type agent_type NOT NULL,
        run_type run_type NOT NULL DEFAULT 'standard',
        golden_set_id uuid REFERENCES golden_sets(id) ON DELETE SET NULL,
        config jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(config) = 'object'),
        design_context jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(design_context) = 'object'),
        created_by_key_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX eval_templates_org_name_uq ON eval_templates (org_id, lower(name))`);

    await q.query(`
      CREATE TABLE eval_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        golden_set_id uuid NOT NULL REFERENCES golden_sets(id) ON DELETE RESTRICT,
        template_id uuid REFERENCES eval_templates(id) ON DELETE SET NULL,
        name text NOT NULL DEFAULT '',
        run_type run_type NOT NULL DEFAULT 'standard',
        status run_status NOT NULL DEFAULT 'pending',
        config jsonb NOT NULL CHECK (jsonb_typeof(config) = 'object'),
        design_context jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(design_context) = 'object'),
        total_cases integer NOT NULL CHECK (total_cases >= 0),
        completed_cases integer NOT NULL DEFAULT 0 CHECK (completed_cases >= 0),
        failure_code text,
        failure_reason text,
        started_at timestamptz,
        completed_at timestamptz,
        created_by_key_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT eval_runs_terminal_has_completed_at CHECK (
          (status IN ('completed', 'failed', 'cancelled')) = (completed_at IS NOT NULL)
        ),
        CONSTRAINT eval_runs_running_has_started_at CHECK (status <> 'running' OR started_at IS NOT NULL),
        CONSTRAINT eval_runs_failed_has_reason CHECK (status <> 'failed' OR failure_reason IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX eval_runs_agent_idx ON eval_runs (agent_id, created_at DESC)`);
    await q.query(`CREATE INDEX eval_runs_org_idx ON eval_runs (org_id, created_at DESC)`);

    // The run state machine, enforced below the application too (seed step 93):
    // pending -> running|cancelled; running -> completed|failed|cancelled; terminal -> pending (reopen).
    await q.query(`
      CREATE FUNCTION eval_runs_guard_status_transition() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = OLD.status THEN
          RETURN NEW;
        END IF;
        IF (OLD.status = 'pending' AND NEW.status IN ('running', 'cancelled'))
           OR (OLD.status = 'running' AND NEW.status IN ('completed', 'failed', 'cancelled'))
           OR (OLD.status IN ('completed', 'failed', 'cancelled') AND NEW.status = 'pending') THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'invalid eval run status transition: % -> %', OLD.status, NEW.status
          USING ERRCODE = 'check_violation', CONSTRAINT = 'eval_runs_status_transition';
      END;
      $$`);
    await q.query(`
      CREATE TRIGGER eval_runs_status_transition BEFORE UPDATE OF status ON eval_runs
      FOR EACH ROW EXECUTE FUNCTION eval_runs_guard_status_transition()`);

    await q.query(`
      CREATE TABLE eval_results (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        run_id uuid NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        case_id uuid NOT NULL REFERENCES golden_set_cases(id) ON DELETE CASCADE,
        evaluation_mode evaluation_mode NOT NULL,
        status result_status NOT NULL,
        actual_output text,
        actual_sources text[] NOT NULL DEFAULT '{}',
        answer_correct boolean,
        source_correct boolean,
        quality_score numeric(6, 2),
        criteria_scores jsonb,
        passed boolean,
        issue_tags text[] NOT NULL DEFAULT '{}',
        judge_reasoning text,
        error_code text,
        error_message text,
        latency_ms integer NOT NULL DEFAULT 0 CHECK (latency_ms >= 0),
        notes jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT eval_results_one_per_case UNIQUE (run_id, case_id),
        CONSTRAINT eval_results_scored_shape CHECK (
          status <> 'scored' OR (quality_score IS NOT NULL AND passed IS NOT NULL)
        ),
        CONSTRAINT eval_results_error_shape CHECK (status <> 'error' OR error_code IS NOT NULL),
        CONSTRAINT eval_results_mode_shape CHECK (
          (evaluation_mode = 'answer' AND criteria_scores IS NULL)
          OR (evaluation_mode = 'criteria' AND answer_correct IS NULL AND source_correct IS NULL)
        )
      )`);

    await q.query(`
      CREATE TABLE eval_run_artifacts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        run_id uuid NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
        result_id uuid NOT NULL REFERENCES eval_results(id) ON DELETE CASCADE,
        case_id uuid NOT NULL,
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        evaluation_mode evaluation_mode NOT NULL,
        judge_mode text NOT NULL,
        judge_model text,
        judge_prompt_version text NOT NULL,
        judge_prompt_hash text NOT NULL,
        executor_mode text NOT NULL,
        case_latency_ms integer NOT NULL DEFAULT 0,
        execution_latency_ms integer NOT NULL DEFAULT 0,
        judge_latency_ms integer NOT NULL DEFAULT 0,
        token_usage jsonb,
        judge_input jsonb,
        judge_output jsonb,
        execution_trace jsonb NOT NULL DEFAULT '{}'::jsonb,
        cache_hit boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT eval_run_artifacts_one_per_case UNIQUE (run_id, case_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['eval_run_artifacts', 'eval_results', 'eval_runs', 'eval_templates', 'golden_set_case_reviews', 'golden_set_cases', 'golden_sets']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
    await q.query(`DROP FUNCTION IF EXISTS eval_runs_guard_status_transition()`);
    for (const t of ['result_status', 'run_type', 'run_status', 'scenario_type', 'case_difficulty', 'evaluation_mode']) {
      await q.query(`DROP TYPE IF EXISTS ${t}`);
    }
  }
}
