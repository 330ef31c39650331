import type { DataSource } from 'typeorm';

/** How the trials of one case went. */
export interface CaseTrialRate {
  case_id: string;
  /** Trials of the case with a result. */
  trials: number;
  /** Trials that passed. */
  passed: number;
  /** passed / trials. */
  pass_rate: number;
}

/** What a run with repeated trials adds to its summary. */
export interface TrialAgreement {
  /** Every case with a result, in case id order. */
  case_pass_rates: CaseTrialRate[];
  /** Cases whose trials disagree: some passed and some did not (an error counts as not passed). */
  flaky_cases: CaseTrialRate[];
}

const rate = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 10_000) / 10_000);

/**
 * The pass rate of every case of a run over its trials, and the cases whose trials disagreed. An
 * agent that answers a case right only some of the time is flaky on it: one trial would have hidden it.
 */
export async function trialAgreement(db: DataSource, runId: string): Promise<TrialAgreement> {
  const rows: { case_id: string; trials: number; passed: number }[] = await db.query(
    `SELECT case_id, count(*)::int AS trials, count(*) FILTER (WHERE passed)::int AS passed
     FROM eval_results WHERE run_id = $1 GROUP BY case_id ORDER BY case_id`,
    [runId],
  );
  const case_pass_rates = rows.map((r) => ({ case_id: r.case_id, trials: r.trials, passed: r.passed, pass_rate: rate(r.passed, r.trials) }));
  return { case_pass_rates, flaky_cases: case_pass_rates.filter((c) => c.passed > 0 && c.passed < c.trials) };
}
