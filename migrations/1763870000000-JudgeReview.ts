import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The judge configuration of a run as one fingerprint (`eval_runs.judge_config_hash`: SHA-256 of the frozen
 * judge and profile snapshot in canonical JSON), so runs judged alike can be found and a judge calibration
 * can tell whether it still applies. Runs created before stay NULL: their hash is computed by the
 * application from `config` (PostgreSQL's own jsonb text differs from the canonical JSON the hash uses).
 */
export class JudgeReview1763870000000 implements MigrationInterface {
  name = 'JudgeReview1763870000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE eval_runs ADD COLUMN judge_config_hash text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE eval_runs DROP COLUMN judge_config_hash`);
  }
}
