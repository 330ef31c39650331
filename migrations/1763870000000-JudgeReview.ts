import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The judge configuration of a run as one fingerprint (`eval_runs.judge_config_hash`: SHA-256 of the frozen
 * judge and profile snapshot in canonical JSON), so runs judged alike can be found and a judge calibration
 * can tell whether it still applies. Runs created before stay NULL: their hash is computed by the
 * application from `config` (PostgreSQL's own jsonb text differs from the canonical JSON the hash uses).
 *
 * Human review of results: a reviewer accepts the judge's verdict or overrides its scores, with a reason;
 * the judge's own values stay as they were, the override sits beside them.
 */
export class JudgeReview1763870000000 implements MigrationInterface {
  name = 'JudgeReview1763870000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE eval_runs ADD COLUMN judge_config_hash text`);
    await q.query(
      `ALTER TABLE eval_results
         ADD COLUMN review_status text NOT NULL DEFAULT 'unreviewed'
           CONSTRAINT eval_results_review_status CHECK (review_status IN ('unreviewed', 'accepted', 'overridden')),
         ADD COLUMN reviewed_by_key_id uuid,
         ADD COLUMN reviewed_at timestamptz,
         ADD COLUMN review_reason text,
         ADD COLUMN review_override jsonb`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const c of ['review_override', 'review_reason', 'reviewed_at', 'reviewed_by_key_id', 'review_status']) {
      await q.query(`ALTER TABLE eval_results DROP COLUMN ${c}`);
    }
    await q.query(`ALTER TABLE eval_runs DROP COLUMN judge_config_hash`);
  }
}
