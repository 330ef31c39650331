import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Foundation schema: tenancy (orgs, api_keys), agents, eval profiles, idempotency records,
 * audit logs and activity events. Never edit once it has run anywhere: add a new migration.
 */
export class Foundation1763780000000 implements MigrationInterface {
  name = 'Foundation1763780000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TYPE api_key_role AS ENUM ('viewer', 'member', 'admin')`);
    await q.query(`CREATE TYPE api_key_status AS ENUM ('active', 'revoked')`);
    await q.query(`CREATE TYPE agent_type AS ENUM ('search_retrieval', 'document_generator', 'dashboard_analytics', 'triage_classification', 'analysis')`);
    await q.query(`CREATE TYPE agent_status AS ENUM ('draft', 'active', 'paused', 'retired')`);
    await q.query(`CREATE TYPE idempotency_status AS ENUM ('in_progress', 'completed')`);

    await q.query(`
      CREATE TABLE orgs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX orgs_name_lower_uq ON orgs (lower(name))`);

    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid REFERENCES orgs(id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        key_prefix text NOT NULL,
        key_hash text NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
        role api_key_role NOT NULL,
        status api_key_status NOT NULL DEFAULT 'active',
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz,
        rate_limit_per_minute integer CHECK (rate_limit_per_minute IS NULL OR rate_limit_per_minute >= 0),
        created_by_key_id uuid REFERENCES api_keys(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT api_keys_global_must_be_admin CHECK (org_id IS NOT NULL OR role = 'admin'),
        CONSTRAINT api_keys_revoked_has_time CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX api_keys_key_hash_uq ON api_keys (key_hash)`);
    await q.query(`CREATE INDEX api_keys_org_idx ON api_keys (org_id, created_at DESC)`);

    await q.query(`
      CREATE TABLE eval_profiles (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid REFERENCES orgs(id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        agent_type agent_type NOT NULL,
        description text NOT NULL DEFAULT '',
        dimensions jsonb NOT NULL CHECK (jsonb_typeof(dimensions) = 'array' AND jsonb_array_length(dimensions) > 0),
        scoring_scale jsonb NOT NULL CHECK (jsonb_typeof(scoring_scale) = 'object'),
        issue_tags text[] NOT NULL CHECK (cardinality(issue_tags) > 0),
        is_builtin boolean NOT NULL DEFAULT false,
        version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT eval_profiles_builtin_is_global CHECK (is_builtin = (org_id IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX eval_profiles_name_uq ON eval_profiles (COALESCE(org_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(name))`);

    await q.query(`
      CREATE TABLE agents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
        description text NOT NULL DEFAULT '',
        agent_type agent_type NOT NULL,
        status agent_status NOT NULL DEFAULT 'draft',
        api_endpoint text CHECK (api_endpoint IS NULL OR api_endpoint ~* '^https?://'),
        owner text,
        eval_profile_id uuid REFERENCES eval_profiles(id) ON DELETE SET NULL,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(metadata) = 'object'),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX agents_org_name_uq ON agents (org_id, lower(name))`);
    await q.query(`CREATE INDEX agents_org_created_idx ON agents (org_id, created_at DESC)`);

    await q.query(`
      CREATE TABLE idempotency_records (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        api_key_id uuid NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
        idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
        method text NOT NULL,
        path text NOT NULL,
        request_hash text NOT NULL,
        status idempotency_status NOT NULL,
        response_status integer,
        response_body jsonb,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT idempotency_completed_has_response CHECK (status = 'in_progress' OR response_status IS NOT NULL)
      )`);
    await q.query(`CREATE UNIQUE INDEX idempotency_records_key_uq ON idempotency_records (api_key_id, idempotency_key)`);
    await q.query(`CREATE INDEX idempotency_records_expires_idx ON idempotency_records (expires_at)`);

    await q.query(`
      CREATE TABLE api_audit_logs (
        id bigserial PRIMARY KEY,
        request_id text NOT NULL,
        api_key_id uuid,
        org_id uuid,
        method text NOT NULL,
        path text NOT NULL,
        status_code integer NOT NULL,
        latency_ms integer NOT NULL CHECK (latency_ms >= 0),
        error_code text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX api_audit_logs_org_created_idx ON api_audit_logs (org_id, created_at DESC)`);
    await q.query(`CREATE INDEX api_audit_logs_request_idx ON api_audit_logs (request_id)`);

    await q.query(`
      CREATE TABLE activity_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
        agent_id uuid REFERENCES agents(id) ON DELETE CASCADE,
        event_type text NOT NULL CHECK (event_type ~ '^[a-z][a-z0-9_.]*$'),
        actor_key_id uuid,
        request_id text,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX activity_events_agent_idx ON activity_events (agent_id, created_at DESC)`);
    await q.query(`CREATE INDEX activity_events_org_idx ON activity_events (org_id, created_at DESC)`);

    for (const p of BUILTIN_PROFILES) {
      await q.query(
        `INSERT INTO eval_profiles (id, org_id, name, agent_type, description, dimensions, scoring_scale, issue_tags, is_builtin)
         VALUES ($1, NULL, $2, $3, $4, $5::jsonb, $6::jsonb, $7::text[], true)
         ON CONFLICT (id) DO NOTHING`,
        [p.id, p.name, p.agent_type, p.description, JSON.stringify(p.dimensions), JSON.stringify(SCALE), p.issue_tags],
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['activity_events', 'api_audit_logs', 'idempotency_records', 'agents', 'eval_profiles', 'api_keys', 'orgs']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
    for (const t of ['idempotency_status', 'agent_status', 'agent_type', 'api_key_status', 'api_key_role']) {
      await q.query(`DROP TYPE IF EXISTS ${t}`);
    }
  }
}

// The seed data is written out here, not imported, so this migration never changes after it has run.
const SCALE = {
  criteria: { type: 'likert', min: 1, max: 5 },
  quality: { type: 'likert', min: 1, max: 5 },
  answer: { type: 'binary', values: ['correct', 'incorrect'] },
  source: { type: 'binary', values: ['correct', 'incorrect'] },
  pass_threshold: 4,
};

const dim = (key: string, name: string, description: string, weight = 1, required = true) => ({
  key,
  name,
  description,
  weight,
  required,
});

const BUILTIN_PROFILES = [
  {
    id: '00000000-0000-4000-8000-000000000001',
    name: 'Search/Retrieval',
    agent_type: 'search_retrieval',
    description: 'Agents that find and cite information: correctness of the answer and of its sources.',
    dimensions: [
      dim('relevance', 'Relevance', 'The answer addresses the question that was asked.'),
      dim('groundedness', 'Groundedness', 'Every claim is supported by a cited source.'),
      dim('source_accuracy', 'Source accuracy', 'The cited sources are the expected ones.'),
      dim('completeness', 'Completeness', 'Nothing the question needs is missing.', 1, false),
    ],
    issue_tags: ['hallucination', 'wrong_source', 'missing_source', 'irrelevant_answer', 'incomplete_answer', 'outdated_information'],
  },
  {
    id: '00000000-0000-4000-8000-000000000002',
    name: 'Document Generator',
    agent_type: 'document_generator',
    description: 'Agents that draft documents: structure, accuracy, tone and format compliance.',
    dimensions: [
      dim('accuracy', 'Accuracy', 'Facts in the document are correct.'),
      dim('structure', 'Structure', 'Sections and ordering follow the requested template.'),
      dim('tone', 'Tone', 'Voice and register suit the audience.', 1, false),
      dim('format_compliance', 'Format compliance', 'Length, headings and formatting rules are respected.'),
    ],
    issue_tags: ['hallucination', 'missing_section', 'wrong_format', 'tone_mismatch', 'factual_error', 'too_long', 'too_short'],
  },
  {
    id: '00000000-0000-4000-8000-000000000003',
    name: 'Dashboard/Analytics',
    agent_type: 'dashboard_analytics',
    description: 'Agents that answer with numbers and charts: calculation correctness and interpretation.',
    dimensions: [
      dim('numeric_accuracy', 'Numeric accuracy', 'Numbers and calculations are correct.'),
      dim('query_correctness', 'Query correctness', 'The right data, filters and time ranges were used.'),
      dim('interpretation', 'Interpretation', 'The explanation of the numbers is sound.'),
      dim('visual_clarity', 'Visual clarity', 'Charts and tables are readable and labelled.', 1, false),
    ],
    issue_tags: ['calculation_error', 'wrong_filter', 'wrong_time_range', 'misleading_chart', 'misinterpretation', 'missing_data'],
  },
  {
    id: '00000000-0000-4000-8000-000000000004',
    name: 'Triage/Classification',
    agent_type: 'triage_classification',
    description: 'Agents that route or label items: label correctness, priority and explanation.',
    dimensions: [
      dim('label_accuracy', 'Label accuracy', 'The assigned category is the expected one.'),
      dim('priority_accuracy', 'Priority accuracy', 'Urgency or severity is judged correctly.'),
      dim('rationale', 'Rationale', 'The explanation justifies the decision.', 1, false),
    ],
    issue_tags: ['wrong_label', 'wrong_priority', 'missed_escalation', 'over_escalation', 'unclear_rationale'],
  },
  {
    id: '00000000-0000-4000-8000-000000000005',
    name: 'Analysis',
    agent_type: 'analysis',
    description: 'Agents that reason over material: depth, logic, evidence and actionability.',
    dimensions: [
      dim('reasoning', 'Reasoning', 'The argument is logically sound.'),
      dim('evidence', 'Evidence', 'Conclusions are backed by the material given.'),
      dim('depth', 'Depth', 'The analysis goes beyond restating the input.', 1, false),
      dim('actionability', 'Actionability', 'Recommendations are specific and usable.'),
    ],
    issue_tags: ['logical_error', 'unsupported_claim', 'shallow_analysis', 'missing_recommendation', 'hallucination', 'bias'],
  },
];
