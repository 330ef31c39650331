import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Judge calibration: how well the judge of a completed run agrees with human labels of its cases.
 * A calibration keeps its agreement figures and the judge configuration it measured, so a later change
 * of judge model or prompt shows that the calibration no longer applies.
 */
export class Calibration1763880000000 implements MigrationInterface {
  name = 'Calibration1763880000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE calibration_runs (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      org_id uuid NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
      agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
      run_id uuid NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
      judge_config_hash text,
      source text NOT NULL CONSTRAINT calibration_runs_source CHECK (source IN ('labels', 'reviews')),
      case_count integer NOT NULL,
      agreement jsonb NOT NULL,
      kappa jsonb NOT NULL,
      labels jsonb NOT NULL,
      created_by_key_id uuid,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX calibration_runs_agent_latest ON calibration_runs (org_id, agent_id, created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE calibration_runs`);
  }
}
