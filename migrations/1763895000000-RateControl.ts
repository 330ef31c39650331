import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-agent call rate limit: how many calls per second evaluation runs may make to the agent (null = unlimited). */
export class RateControl1763895000000 implements MigrationInterface {
  name = 'RateControl1763895000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE agents ADD COLUMN max_calls_per_second integer NULL
        CONSTRAINT agents_max_calls_per_second_ck CHECK (max_calls_per_second BETWEEN 1 AND 10000)
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE agents DROP COLUMN max_calls_per_second');
  }
}
