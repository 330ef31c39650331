import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Append-only, hash-chained launch decisions and certifications, one chain per agent. A trigger
 * refuses every UPDATE, DELETE and TRUNCATE, so history can only grow; the hashes make any change
 * made around the trigger detectable.
 */
export class LaunchEvidence1763910000000 implements MigrationInterface {
  name = 'LaunchEvidence1763910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE launch_records (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      org_id uuid NOT NULL REFERENCES orgs(id),
      agent_id uuid NOT NULL REFERENCES agents(id),
      seq integer NOT NULL CONSTRAINT launch_records_seq CHECK (seq >= 1),
      kind text NOT NULL CONSTRAINT launch_records_kind CHECK (kind IN ('decision', 'certification')),
      decision text CONSTRAINT launch_records_decision CHECK (decision IN ('go', 'no_go', 'rollback')),
      certification_status text CONSTRAINT launch_records_certification CHECK (certification_status IN ('certified', 'blocked')),
      gate_status text NOT NULL CONSTRAINT launch_records_gate CHECK (gate_status IN ('pass', 'blocked')),
      reason text,
      evidence jsonb NOT NULL,
      created_by_key_id uuid,
      request_id text,
      created_at timestamptz NOT NULL,
      content_hash char(64) NOT NULL,
      prev_hash char(64) NOT NULL,
      row_hash char(64) NOT NULL,
      CONSTRAINT launch_records_kind_fields CHECK (
        (kind = 'decision' AND decision IS NOT NULL AND certification_status IS NULL AND reason IS NOT NULL)
        OR (kind = 'certification' AND decision IS NULL AND certification_status IS NOT NULL)),
      CONSTRAINT launch_records_agent_seq UNIQUE (agent_id, seq)
    )`);
    await q.query(`CREATE INDEX launch_records_org_agent_kind ON launch_records (org_id, agent_id, kind, seq DESC)`);
    // the launch gate reads each agent's latest stored compare
    await q.query(`CREATE INDEX eval_compares_agent_latest ON eval_compares (agent_id, created_at DESC, id DESC)`);
    await q.query(`CREATE FUNCTION launch_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'launch_records is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
      END $$`);
    await q.query(`CREATE TRIGGER launch_records_no_change BEFORE UPDATE OR DELETE ON launch_records
      FOR EACH ROW EXECUTE FUNCTION launch_records_append_only()`);
    await q.query(`CREATE TRIGGER launch_records_no_truncate BEFORE TRUNCATE ON launch_records
      FOR EACH STATEMENT EXECUTE FUNCTION launch_records_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE launch_records`);
    await q.query(`DROP FUNCTION launch_records_append_only()`);
    await q.query(`DROP INDEX eval_compares_agent_latest`);
  }
}
