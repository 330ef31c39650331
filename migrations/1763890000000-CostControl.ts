import { MigrationInterface, QueryRunner } from 'typeorm';

/** Judge token cost per result and what budgeted runs have spent. */
export class CostControl1763890000000 implements MigrationInterface {
  name = 'CostControl1763890000000';

  async up(q: QueryRunner): Promise<void> {
    // Estimated cost of the judge call behind a result, next to its token usage: 0 for the deterministic
    // judge and for a verdict reused from the run's cache; null when no price is known for the model.
    await q.query(`ALTER TABLE eval_run_artifacts ADD COLUMN judge_cost_usd numeric(14,6)`);
    // What a run with a budget has spent in its current execution (queue epoch): agent calls reserved
    // before each case, judge tokens and cost added after it. Every worker updates the same row, so the
    // budget holds across chunks and processes; `exceeded` notes the limit that stopped the run.
    await q.query(`
      CREATE TABLE eval_run_budget_usage (
        run_id uuid PRIMARY KEY REFERENCES eval_runs(id) ON DELETE CASCADE,
        epoch integer NOT NULL,
        agent_calls integer NOT NULL DEFAULT 0,
        judge_prompt_tokens bigint NOT NULL DEFAULT 0,
        judge_completion_tokens bigint NOT NULL DEFAULT 0,
        judge_tokens bigint NOT NULL DEFAULT 0,
        cost_usd numeric(14,6) NOT NULL DEFAULT 0,
        exceeded jsonb,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE eval_run_budget_usage`);
    await q.query(`ALTER TABLE eval_run_artifacts DROP COLUMN judge_cost_usd`);
  }
}
