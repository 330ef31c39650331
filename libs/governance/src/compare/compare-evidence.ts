import type { DataSource, EntityManager } from 'typeorm';
import type { CaseOutcome } from './case-pairing';

type Db = DataSource | EntityManager;

interface OutcomeRow {
  case_id: string;
  trials: number;
  pass_rate: number;
  quality_score: number | null;
  answer_rate: number | null;
  source_rate: number | null;
}

const majority = (rate: number | null) => (rate === null ? null : rate > 0.5);

/**
 * The per-case outcomes of a run in one query, in case-id order (the order of the unique index the
 * query walks, so the sort is free): only the columns a compare needs, aggregated per case so a run with
 * repeated trials (several results per case) gives one outcome per case — its pass rate, mean judged
 * score and majority answer/source correctness. A result without a pass (an agent error) counts as
 * failed, as in the run summary.
 */
export async function loadCaseOutcomes(db: Db, runId: string): Promise<CaseOutcome[]> {
  const rows: OutcomeRow[] = await db.query(
    `SELECT case_id, count(*)::int AS trials,
            avg(CASE WHEN passed THEN 1 ELSE 0 END)::float8 AS pass_rate,
            (avg(quality_score) FILTER (WHERE status = 'scored'))::float8 AS quality_score,
            avg(CASE WHEN answer_correct THEN 1 WHEN NOT answer_correct THEN 0 END)::float8 AS answer_rate,
            avg(CASE WHEN source_correct THEN 1 WHEN NOT source_correct THEN 0 END)::float8 AS source_rate
     FROM eval_results WHERE run_id = $1 GROUP BY case_id ORDER BY case_id`,
    [runId],
  );
  const out: CaseOutcome[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    out[i] = {
      case_id: r.case_id,
      trials: r.trials,
      pass_rate: r.pass_rate,
      passed: r.pass_rate > 0.5,
      quality_score: r.quality_score,
      answer_correct: majority(r.answer_rate),
      source_correct: majority(r.source_rate),
    };
  }
  return out;
}

/** `superseded_by` links of the golden sets the two runs used: old case id → the case that replaced it. */
export async function loadCaseLineage(db: Db, goldenSetIds: string[]): Promise<Map<string, string>> {
  const rows: { id: string; superseded_by: string }[] = await db.query(
    `SELECT id, superseded_by FROM golden_set_cases WHERE golden_set_id = ANY($1::uuid[]) AND superseded_by IS NOT NULL`,
    [[...new Set(goldenSetIds)]],
  );
  return new Map(rows.map((r) => [r.id, r.superseded_by]));
}
