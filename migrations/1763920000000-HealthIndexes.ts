import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the health, score-trend and portfolio views: an agent's completed runs newest first
 * (its latest completed run, and the window of a score trend) are read from one index range.
 */
export class HealthIndexes1763920000000 implements MigrationInterface {
  name = 'HealthIndexes1763920000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX eval_runs_agent_completed_idx ON eval_runs (agent_id, completed_at DESC, created_at DESC, id) WHERE status = 'completed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX eval_runs_agent_completed_idx`);
  }
}
