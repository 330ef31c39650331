import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { runTrials } from '@greenlight/contracts';
import { EvalRunEntity } from '@greenlight/database';
import { ChunkCase, ChunkCaseLoader } from './chunk-cases';
import type { CaseRow } from './execution.types';
import { asOfSql } from './cases-as-of';

/** A position in a run's case order: (position, id). */
export interface CaseCursor {
  position: number;
  id: string;
}

/** A position in a run's order of trials: (position, id, trial). */
export interface TrialCursor extends CaseCursor {
  trial: number;
}

/**
 * Loads the cases a run executes: always the run's frozen case set (the cases active at its
 * `cases_as_of`), in (position, id) order, each once per trial of the run, and never a trial that
 * already has a result of the run, so a resumed or redelivered execution does not run it twice.
 */
@Injectable()
export class CaseLoader {
  private readonly chunks: ChunkCaseLoader;

  constructor(@InjectDataSource() private readonly db: DataSource) {
    this.chunks = new ChunkCaseLoader(db);
  }

  /** Up to `limit` (case, trial) pairs after `after` that have no result yet: the synchronous execute's pages. */
  async pageAfter(run: EvalRunEntity, after: TrialCursor | null, limit: number): Promise<CaseRow[]> {
    const params: unknown[] = [run.golden_set_id, run.config.cases_as_of, run.id, runTrials(run.config), limit];
    const keyset = after
      ? `AND (c.position, c.id, t.trial) > ($${params.push(after.position)}, $${params.push(after.id)}::uuid, $${params.push(after.trial)})`
      : '';
    return this.db.query(
      `SELECT c.id, c.position, c.input, c.evaluation_mode, c.expected_answer, c.expected_sources, c.criteria, c.dimensions, t.trial
       FROM golden_set_cases c CROSS JOIN generate_series(1, $4::int) AS t(trial)
       WHERE c.golden_set_id = $1 AND ${asOfSql('$2')} ${keyset}
         AND NOT EXISTS (SELECT 1 FROM eval_results r WHERE r.run_id = $3 AND r.case_id = c.id AND r.trial = t.trial)
       ORDER BY c.position, c.id, t.trial LIMIT $5`,
      params,
    );
  }

  /**
   * The ids of the cases with a trial still without a result, for fanning a run out (a resumed run fans
   * out only what is left; a chunk runs the trials of its cases that are missing). Plain SQL in keyset
   * pages: a start job needs only ids, not hydrated entities.
   */
  async idsLeft(run: EvalRunEntity, pageSize = 10_000): Promise<string[]> {
    const { config } = run;
    const ids: string[] = [];
    let after: CaseCursor | null = null;
    for (;;) {
      const params: unknown[] = [run.golden_set_id, config.cases_as_of, pageSize, run.id, runTrials(config)];
      const keyset = after ? `AND (c.position, c.id) > ($${params.push(after.position)}, $${params.push(after.id)}::uuid)` : '';
      const rows: CaseCursor[] = await this.db.query(
        `SELECT c.id, c.position FROM golden_set_cases c
         LEFT JOIN (SELECT r.case_id, count(*) AS n FROM eval_results r WHERE r.run_id = $4 GROUP BY r.case_id) d ON d.case_id = c.id
         WHERE c.golden_set_id = $1 AND ${asOfSql('$2')} ${keyset} AND coalesce(d.n, 0) < $5
         ORDER BY c.position, c.id LIMIT $3`,
        params,
      );
      for (const r of rows) ids.push(r.id);
      if (rows.length < pageSize) return ids;
      after = rows[rows.length - 1];
    }
  }

  /** A chunk job's cases once per trial, each flagged `done` when that trial already has a result (see ChunkCaseLoader). */
  ofChunk(run: EvalRunEntity, ids: string[]): Promise<ChunkCase[]> {
    return this.chunks.loadChunk(run, ids);
  }
}
