import { MigrationInterface, QueryRunner } from 'typeorm';

/** Judge token cost per result and run budgets. */
export class CostControl1763890000000 implements MigrationInterface {
  name = 'CostControl1763890000000';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}
