import { DataSource } from 'typeorm';
import { runTrials } from '@greenlight/contracts';
import { EvalRunEntity } from '@greenlight/database';
import { KeyedBatcher } from './keyed-batcher';
import { preparedQuery } from './prepared-query';
import { asOfSql } from './cases-as-of';
import type { CaseRow } from './execution.types';

/**
 * Loads the cases of chunk jobs on the worker's hot path: a chunk's cases in (position, id) order, once
 * per trial of the run, each flagged `done` when that trial already has a result, in one round trip
 * without entity hydration.
 */
export class ChunkCaseLoader {
  /** Loads of one run: one query in flight, the calls behind it grouped. */
  private readonly loads = new KeyedBatcher<PendingLoad, ChunkCase[]>(
    MAX_LOAD_IDS,
    (l) => l.ids.length,
    async (batch) => {
      const rows = await this.query(batch[0].params, batch.length === 1 ? batch[0].ids : batch.flatMap((g) => g.ids));
      return batch.length === 1 ? [rows] : splitByRequest(rows, batch);
    },
  );

  constructor(private readonly db: DataSource) {}

  /**
   * A chunk job's cases (still limited to the run's frozen case set) in (position, id, trial) order,
   * each flagged `done` when that trial already has a result. One round trip, no entity hydration: this runs once
   * per chunk on the worker's hot path.
   */
  loadChunk(run: EvalRunEntity, ids: string[]): Promise<ChunkCase[]> {
    if (ids.length === 0) return Promise.resolve([]);
    const { config } = run;
    const params: ChunkLoadParams = { runId: run.id, goldenSetId: run.golden_set_id, asOf: config.cases_as_of, trials: runTrials(config) };
    // Loads of one run are grouped like its writes: one query in flight, the chunks that ask meanwhile
    // go together in the next one. A run's chunks start in waves (a finished chunk's slot takes the
    // next one), and each query is a round trip that wakes the database and this process.
    return this.loads.submit(`${params.runId}:${params.goldenSetId}:${String(params.asOf)}`, { params, ids });
  }

  private async query(p: ChunkLoadParams, ids: string[]): Promise<ChunkCase[]> {
    const rows = await preparedQuery<StoredCase>(this.db, 'greenlight_chunk_cases', CHUNK_CASES_SQL, [p.runId, p.goldenSetId, ids, p.asOf]);
    return expandTrials(rows, p.trials);
  }
}

/** A case as CHUNK_CASES_SQL returns it: the trials of it the run has results of. */
type StoredCase = Omit<CaseRow, 'trial'> & { done_trials: number[] };

/**
 * One row per (case, trial), in (position, id, trial) order. The trials are spread out here rather than
 * in SQL: the query keeps one row per case, and so the plan it had before a run could repeat its cases.
 */
function expandTrials(rows: StoredCase[], trials: number): ChunkCase[] {
  const out: ChunkCase[] = [];
  for (const { done_trials, ...row } of rows) {
    for (let trial = 1; trial <= trials; trial++) out.push({ ...row, trial, done: done_trials.includes(trial) });
  }
  return out;
}

/**
 * $1 run id, $2 golden set id, $3 the chunk's case ids, $4 the run's cases_as_of. The cases are looked
 * up by primary key first (a materialized CTE): given `golden_set_id = $2` as well, the planner may
 * otherwise scan the whole set through golden_set_cases_set_idx and filter the ids out of it (it does
 * when the set was uploaded since the last ANALYZE, the usual case), which costs every chunk time in
 * proportion to the size of the set: 0.8 ms rather than 0.2 ms for a chunk of a 3000-case set.
 */
const CHUNK_CASES_SQL = `
WITH picked AS MATERIALIZED (SELECT * FROM golden_set_cases WHERE id = ANY($3::uuid[]))
SELECT c.id, c.position, c.input, c.evaluation_mode, c.expected_answer, c.expected_sources, c.criteria, c.dimensions,
       ARRAY(SELECT r.trial::int FROM eval_results r WHERE r.run_id = $1 AND r.case_id = c.id) AS done_trials
FROM picked c
WHERE c.golden_set_id = $2 AND ${asOfSql('$4')}
ORDER BY c.position, c.id`;

export type ChunkCase = CaseRow & { done: boolean };

/** Most case ids one grouped chunk load asks for (a single larger call still goes in one piece). */
const MAX_LOAD_IDS = 1000;

/** What CHUNK_CASES_SQL needs besides the ids: fixed for a run. */
interface ChunkLoadParams {
  runId: string;
  goldenSetId: string;
  asOf: unknown;
  trials: number;
}

/** One loadChunk call. */
interface PendingLoad {
  params: ChunkLoadParams;
  ids: string[];
}

/**
 * The rows of a grouped load, split back per call: each gets the rows of its own ids, still in the
 * query's (position, id) order. Two calls asking for the same case (a chunk delivered twice) each get
 * their own row object. Ids are matched in canonical form, as PostgreSQL matched them.
 */
function splitByRequest(rows: ChunkCase[], group: PendingLoad[]): ChunkCase[][] {
  const owners = new Map<string, number[]>();
  group.forEach((g, i) => {
    for (const id of g.ids) {
      const key = uuidKey(id);
      const list = owners.get(key);
      if (!list) owners.set(key, [i]);
      else if (!list.includes(i)) list.push(i);
    }
  });
  const parts: ChunkCase[][] = group.map(() => []);
  for (const row of rows) {
    const list = owners.get(uuidKey(row.id));
    if (!list) continue;
    list.forEach((i, k) => parts[i].push(k === 0 ? row : { ...row }));
  }
  return parts;
}

/** A uuid's text in one form (PostgreSQL also reads upper case, braces and no hyphens). */
function uuidKey(id: string): string {
  return id.toLowerCase().replace(/[{}-]/g, '');
}
