import { MigrationInterface, QueryRunner } from 'typeorm';

/** Judge token cost per result and run budgets. */
export class CostControl1763890000000 implements MigrationInterface {
  name = 'CostControl1763890000000';

  async up(q: QueryRunner): Promise<void> {
    // Estimated cost of the judge call behind a result (null: no price known for the model); 0 for a cache hit.
    await q.query(`ALTER TABLE eval_results ADD COLUMN judge_cost_usd numeric(14,6)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE eval_results DROP COLUMN judge_cost_usd`);
  }
}
