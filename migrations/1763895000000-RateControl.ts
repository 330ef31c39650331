import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-agent call rate limit. */
export class RateControl1763895000000 implements MigrationInterface {
  name = 'RateControl1763895000000';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}
