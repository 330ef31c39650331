import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Repeated trials: a run may execute and judge each case several times (its `trials` option, 1 to 10),
 * so a result and its artifact are unique per (run, case, trial) instead of per (run, case). Results
 * stored before are the first trial of their case.
 */
export class RunTrials1763860000000 implements MigrationInterface {
  name = 'RunTrials1763860000000';

  async up(q: QueryRunner): Promise<void> {
    for (const t of TABLES) {
      await q.query(`ALTER TABLE ${t.table} ADD COLUMN trial smallint NOT NULL DEFAULT 1 CONSTRAINT ${t.table}_trial_range CHECK (trial BETWEEN 1 AND 10)`);
      await q.query(`ALTER TABLE ${t.table} DROP CONSTRAINT ${t.perCase}`);
      await q.query(`ALTER TABLE ${t.table} ADD CONSTRAINT ${t.perTrial} UNIQUE (run_id, case_id, trial)`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    // Later trials have no place once a case has one result per run; the artifacts go with their results.
    await q.query(`DELETE FROM eval_results WHERE trial > 1`);
    await q.query(`DELETE FROM eval_run_artifacts WHERE trial > 1`);
    for (const t of TABLES) {
      await q.query(`ALTER TABLE ${t.table} DROP CONSTRAINT ${t.perTrial}`);
      await q.query(`ALTER TABLE ${t.table} ADD CONSTRAINT ${t.perCase} UNIQUE (run_id, case_id)`);
      await q.query(`ALTER TABLE ${t.table} DROP COLUMN trial`);
    }
  }
}

const TABLES = [
  { table: 'eval_results', perCase: 'eval_results_one_per_case', perTrial: 'eval_results_one_per_trial' },
  { table: 'eval_run_artifacts', perCase: 'eval_run_artifacts_one_per_case', perTrial: 'eval_run_artifacts_one_per_trial' },
];
