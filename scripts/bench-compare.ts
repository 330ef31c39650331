import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Client } from 'pg';
import { AppConfig } from '@greenlight/config';
import { createTestEnvironment, destroyTestEnvironment } from '@greenlight/testing';
import { apiCaller } from './api-call';
import { bootstrapOrg } from './bootstrap';
import { freePort, numberArg, peakRssMb, percentile, waitForHealth } from './bench-support';

/**
 * `npm run bench:compare -- [--cases 50000] [--repeat 15] [--trials 1]`: two completed runs of N cases
 * (each case run `trials` times, a few trials disagreeing with the others), written
 * straight into a fresh database, compared through the HTTP API of an api process. Prints p50/p95 of
 * the stored compare (POST) and of the query form (GET), the api's peak RSS, and whether every repeat
 * gave the same answer (counts, statistics, deltas, regressed cases).
 */
/**
 * Fills the golden set up to `n` cases and turns the two pending runs into completed runs of `n` × `trials`
 * results: the baseline passes 90% of the cases; the candidate regresses 2% of them, fixes a third of the
 * baseline's failures and scores a few passing cases lower. With trials, about one later trial in 23
 * turns the other way (flaky cases).
 */
async function seedRuns(databaseUrl: string, setId: string, baselineId: string, candidateId: string, n: number, trials: number): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO golden_set_cases (golden_set_id, org_id, position, input, evaluation_mode, expected_answer)
       SELECT s.id, s.org_id, g, 'question ' || g, 'answer', 'ok' FROM golden_sets s, generate_series(1, $2::int - 1) g WHERE s.id = $1`,
      [setId, n],
    );
    const outcome = {
      [baselineId]: { pass: `(c.position % 10 <> 0)`, score: `CASE WHEN c.position % 10 <> 0 THEN 4 + c.position % 2 ELSE 2 END` },
      [candidateId]: {
        pass: `((c.position % 10 <> 0 AND c.position % 50 <> 1) OR c.position % 30 = 0)`,
        score: `CASE WHEN (c.position % 10 <> 0 AND c.position % 50 <> 1) OR c.position % 30 = 0 THEN 4 + (c.position + c.position / 7) % 2 ELSE 2 END`,
      },
    };
    for (const [runId, o] of Object.entries(outcome)) {
      await db.query(`UPDATE eval_runs SET status = 'running', started_at = now() WHERE id = $1`, [runId]);
      const pass = `((${o.pass}) <> (t.trial > 1 AND (c.position + t.trial) % 23 = 0))`;
      await db.query(
        `INSERT INTO eval_results (run_id, org_id, case_id, trial, evaluation_mode, status, actual_output, answer_correct, quality_score, passed)
         SELECT $1, c.org_id, c.id, t.trial, 'answer', 'scored', 'bench', ${pass}, ${o.score}, ${pass}
         FROM golden_set_cases c CROSS JOIN generate_series(1, $3::int) AS t(trial) WHERE c.golden_set_id = $2`,
        [runId, setId, trials],
      );
      await db.query(`UPDATE eval_runs SET status = 'completed', completed_at = now(), total_cases = $2, completed_cases = $2 WHERE id = $1`, [
        runId,
        n * trials,
      ]);
    }
    await db.query(`ANALYZE eval_results`);
  } finally {
    await db.end();
  }
}

/** What must be identical between two compares of the same pair. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the bench reads answers as untyped JSON
const evidence = (c: any) =>
  JSON.stringify([c.compared_case_count, c.regression_count, c.improvement_count, c.verdict, c.statistics, c.deltas, c.regressions, c.improvements]);

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const out = await work();
  return [performance.now() - started, out];
}

async function main(): Promise<void> {
  const n = numberArg('cases', 50_000);
  const repeat = numberArg('repeat', 15);
  const trials = numberArg('trials', 1);
  const env = await createTestEnvironment();
  const port = await freePort();
  const common = { ...process.env, ...env, LOG_LEVEL: 'warn', API_RATE_LIMIT_PER_MINUTE: '0' };
  const api = spawn(process.execPath, [join(__dirname, '..', 'apps', 'api', 'src', 'main.js')], {
    env: { ...common, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(base);
    const { org_id, api_key } = await bootstrapOrg(AppConfig.fromEnv(common), 'Bench Org');
    const call = apiCaller(base, api_key);
    const agent = await call('POST', '/api/v1/agents', { org_id, name: 'bench agent', agent_type: 'search_retrieval' });
    const set = await call('POST', '/api/v1/golden-sets/upload', {
      agent_id: agent.id,
      name: 'bench set',
      cases: [{ input: 'question 0', expected_answer: 'ok' }],
    });
    const newRun = () => call('POST', '/api/v1/eval/runs', { agent_id: agent.id, golden_set_id: set.golden_set.id, ...(trials > 1 ? { trials } : {}) });
    const [baseline, candidate] = [await newRun(), await newRun()];
    const [seedMs] = await timed(() => seedRuns(env.DATABASE_URL, set.golden_set.id, baseline.id, candidate.id, n, trials));

    const pair = { baseline_run_id: baseline.id, candidate_run_id: candidate.id };
    const query = `/api/v1/eval/compare?baseline_run_id=${baseline.id}&candidate_run_id=${candidate.id}`;
    const first = await call('POST', '/api/v1/eval/compares', pair); // warm-up, and the answer every repeat must give
    const expected = evidence(first);
    const post: number[] = [];
    const get: number[] = [];
    let same = true;
    for (let i = 0; i < repeat; i++) {
      const [postMs, stored] = await timed(() => call('POST', '/api/v1/eval/compares', pair));
      const [getMs, fresh] = await timed(() => call('GET', query));
      post.push(postMs);
      get.push(getMs);
      same = same && evidence(stored) === expected && evidence(fresh) === expected;
    }
    // stored as jsonb, which keeps content but not key order
    const readBack = await call('GET', `/api/v1/eval/compares/${first.id}`);
    const readsBack = isDeepStrictEqual(readBack, first);
    post.sort((a, b) => a - b);
    get.sort((a, b) => a - b);
    const report = {
      cases: n,
      trials,
      repeats: repeat,
      seed_ms: Math.round(seedMs),
      compared_case_count: first.compared_case_count,
      regression_count: first.regression_count,
      improvement_count: first.improvement_count,
      verdict: first.verdict,
      bootstrap_iterations: first.statistics.scores.bootstrap_mean_difference.iterations,
      post_p50_ms: Math.round(percentile(post, 50)),
      post_p95_ms: Math.round(percentile(post, 95)),
      get_p50_ms: Math.round(percentile(get, 50)),
      get_p95_ms: Math.round(percentile(get, 95)),
      api_peak_rss_mb: peakRssMb(api.pid!),
      same_answer_on_repeat: same,
      stored_compare_reads_back: readsBack,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(
      `bench:compare  N=${n} T=${trials}: POST p50 ${report.post_p50_ms} ms / p95 ${report.post_p95_ms} ms, GET p50 ${report.get_p50_ms} ms / p95 ${report.get_p95_ms} ms, ` +
        `api peak RSS ${report.api_peak_rss_mb} MB, same answer on repeat: ${same}, reads back: ${readsBack}\n`,
    );
    if (!same || !readsBack) process.exitCode = 1;
  } finally {
    api.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await destroyTestEnvironment(env);
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
