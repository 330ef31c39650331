import { MigrationInterface, QueryRunner } from 'typeorm';

/** Readiness checklists, SLO policies and their violations. */
export class SloReadiness1763900000000 implements MigrationInterface {
  name = 'SloReadiness1763900000000';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}
