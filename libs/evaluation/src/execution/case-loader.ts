import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EvalRunEntity, GoldenSetCaseEntity } from '@greenlight/database';
import { ChunkCase, ChunkCaseLoader } from './chunk-cases';
import type { CaseRow } from './execution.types';
import { asOfSql, CASES_AS_OF_SQL } from './cases-as-of';

/** A position in a run's case order: (position, id). */
export interface CaseCursor {
  position: number;
  id: string;
}

/**
 * Loads the cases a run executes: always the run's frozen case set (the cases active at its
 * `cases_as_of`), in (position, id) order, and never a case that already has a result of the run, so
 * a resumed or redelivered execution does not run a case twice.
 */
@Injectable()
export class CaseLoader {
  private readonly chunks: ChunkCaseLoader;

  constructor(@InjectDataSource() private readonly db: DataSource) {
    this.chunks = new ChunkCaseLoader(db);
  }

  /** Up to `limit` cases after `after` that have no result yet: the synchronous execute's pages. */
  async pageAfter(run: EvalRunEntity, after: CaseCursor | null, limit: number): Promise<CaseRow[]> {
    const { config } = run;
    const qb = this.db
      .getRepository(GoldenSetCaseEntity)
      .createQueryBuilder('c')
      .select(['c.id', 'c.position', 'c.input', 'c.evaluation_mode', 'c.expected_answer', 'c.expected_sources', 'c.criteria', 'c.dimensions'])
      .where('c.golden_set_id = :set', { set: run.golden_set_id })
      .andWhere(CASES_AS_OF_SQL, { asOf: config.cases_as_of })
      .andWhere('NOT EXISTS (SELECT 1 FROM eval_results r WHERE r.run_id = :run AND r.case_id = c.id)', { run: run.id });
    if (after) qb.andWhere('(c.position, c.id) > (:pos, :cid)', { pos: after.position, cid: after.id });
    const rows = await qb.orderBy('c.position', 'ASC').addOrderBy('c.id', 'ASC').limit(limit).getMany();
    return rows.map(toCaseRow);
  }

  /**
   * The ids of the cases without a result, for fanning a run out (a resumed run fans out only what is
   * left). Plain SQL in keyset pages: a start job needs only ids, not hydrated entities.
   */
  async idsLeft(run: EvalRunEntity, pageSize = 10_000): Promise<string[]> {
    const { config } = run;
    const ids: string[] = [];
    let after: CaseCursor | null = null;
    for (;;) {
      const params: unknown[] = [run.golden_set_id, config.cases_as_of, pageSize, run.id];
      const keyset = after ? `AND (c.position, c.id) > ($${params.push(after.position)}, $${params.push(after.id)}::uuid)` : '';
      const rows: CaseCursor[] = await this.db.query(
        `SELECT c.id, c.position FROM golden_set_cases c
         WHERE c.golden_set_id = $1 AND ${asOfSql('$2')} ${keyset}
           AND NOT EXISTS (SELECT 1 FROM eval_results r WHERE r.run_id = $4 AND r.case_id = c.id)
         ORDER BY c.position, c.id LIMIT $3`,
        params,
      );
      for (const r of rows) ids.push(r.id);
      if (rows.length < pageSize) return ids;
      after = rows[rows.length - 1];
    }
  }

  /** A chunk job's cases, each flagged `done` when it already has a result (see ChunkCaseLoader). */
  ofChunk(run: EvalRunEntity, ids: string[]): Promise<ChunkCase[]> {
    return this.chunks.loadChunk(run, ids);
  }
}

function toCaseRow(c: GoldenSetCaseEntity): CaseRow {
  return {
    id: c.id,
    position: c.position,
    input: c.input,
    evaluation_mode: c.evaluation_mode,
    expected_answer: c.expected_answer,
    expected_sources: c.expected_sources,
    criteria: c.criteria,
    dimensions: c.dimensions,
  };
}
