import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { AppConfig } from '@greenlight/config';
import { createTestEnvironment, destroyTestEnvironment } from '@greenlight/testing';
import { apiCaller } from './api-call';
import { bootstrapOrg } from './bootstrap';
import { freePort, numberArg, peakRssMb, percentile, waitForHealth } from './bench-support';

/**
 * `npm run bench:portfolio -- [--agents 500] [--runs 100000] [--cases 20] [--concurrency 50] [--seconds 20] [--alone-seconds 5]`:
 * a fresh database with one org of N agents and R eval runs (about 95% completed, each completed
 * run with one result per case of its golden set), issue patterns, SLO policies and violations,
 * readiness checklists, compares and launch decisions, written with set-based SQL. Then C clients
 * call `portfolio-health`, `health` and `score-trend` (random agents) back to back for S seconds
 * against an api process, after one client alone for a few seconds; prints p50/p99/max per endpoint,
 * requests per second, the api's CPU time per request, its peak RSS, and each endpoint's p50 with one
 * client alone.
 * `--only <endpoint>` times one endpoint alone. `--profile <file.cpuprofile>`: a CPU profile of the api during the concurrent phase only (open it in
 * Chrome DevTools or any .cpuprofile viewer).
 */
function textArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * A module the api loads first when profiling (a signal the app does not treat as shutdown, and one
 * that is ignored by default): SIGWINCH starts the V8 profiler, the next SIGWINCH stops it
 * and writes the profile to PROFILE_FILE (the bench waits for that file).
 */
const PROFILER_MODULE = `
const inspector = require('node:inspector');
const fs = require('node:fs');
const session = new inspector.Session();
session.connect();
let on = false;
process.on('SIGWINCH', () => {
  if (!on) { on = true; session.post('Profiler.enable', () => session.post('Profiler.start')); return; }
  on = false;
  session.post('Profiler.stop', (err, res) => {
    const file = process.env.PROFILE_FILE;
    fs.writeFileSync(file + '.part', err ? '' : JSON.stringify(res.profile));
    fs.renameSync(file + '.part', file);
  });
});
`;

/** CPU time the process has used so far (user + system), in ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time the whole machine has used so far (every core, idle and I/O wait excluded), in ms. */
function machineCpuMs(): number {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return (user + nice + system + irq + softirq + steal) * 10;
}

/** Stops the api's whole process group and waits for it to exit. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone already
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}

interface Seed {
  agents: number;
  runs: number;
  cases: number;
}

/**
 * Copies the API-made agent, golden set and run into `agents` agents (one golden set of `cases`
 * cases each) and `runs` runs spread over them and over the last 200 days; results for every
 * completed run. Each agent has its own quality level, so rates differ between agents and runs.
 */
async function seed(databaseUrl: string, orgId: string, baseAgent: string, baseRun: string, s: Seed): Promise<Record<string, number>> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const q = (sql: string, params: unknown[] = []) => db.query(sql, params);
  try {
    await q(`SET synchronous_commit = off`);
    // the rows below are consistent by construction: skip the per-row foreign-key triggers while seeding
    await q(`SET session_replication_role = replica`);
    await q(
      `INSERT INTO agents (org_id, name, description, agent_type, status, owner, metadata)
       SELECT org_id, 'bench agent ' || lpad(g::text, 4, '0'), description, agent_type, 'active', owner, metadata
       FROM agents a, generate_series(2, $2::int) g WHERE a.id = $1`,
      [baseAgent, s.agents],
    );
    await q(
      `INSERT INTO golden_sets (org_id, agent_id, name, source_format)
       SELECT a.org_id, a.id, 'bench set', 'json' FROM agents a WHERE a.org_id = $1 AND a.id <> $2`,
      [orgId, baseAgent],
    );
    await q(
      `INSERT INTO golden_set_cases (golden_set_id, org_id, position, input, evaluation_mode, expected_answer)
       SELECT s.id, s.org_id, g, 'question ' || g, 'answer', 'answer ' || g
       FROM golden_sets s, generate_series(0, $2::int - 1) g WHERE s.org_id = $1 AND s.agent_id <> $3`,
      [orgId, s.cases, baseAgent],
    );
    // Runs: numbered per agent; about 1 in 20 failed, 1 in 200 still pending; completion spread over 200 days.
    await q(
      `WITH ag AS (SELECT a.id AS agent_id, s.id AS set_id, row_number() OVER (ORDER BY a.id) - 1 AS k
                     FROM agents a JOIN LATERAL (SELECT id FROM golden_sets WHERE agent_id = a.id ORDER BY created_at LIMIT 1) s ON true
                    WHERE a.org_id = $1),
            base AS (SELECT config, judge_config_hash FROM eval_runs WHERE id = $2),
            n AS (SELECT count(*) AS agents FROM ag)
       INSERT INTO eval_runs (org_id, agent_id, golden_set_id, name, run_type, status, config, judge_config_hash, total_cases, completed_cases,
                              failure_code, failure_reason, started_at, completed_at, created_at, updated_at)
       SELECT $1, ag.agent_id, ag.set_id, 'bench run ' || i,
              (CASE WHEN i % 10 = 0 THEN 'regression' WHEN i % 7 = 0 THEN 'smoke' ELSE 'standard' END)::run_type,
              (CASE WHEN i % 200 = 199 THEN 'pending' WHEN i % 20 = 13 THEN 'failed' ELSE 'completed' END)::run_status,
              base.config, base.judge_config_hash, $3, CASE WHEN i % 200 = 199 THEN 0 ELSE $3 END,
              CASE WHEN i % 200 <> 199 AND i % 20 = 13 THEN 'AGENT_UNREACHABLE' END,
              CASE WHEN i % 200 <> 199 AND i % 20 = 13 THEN 'bench failure' END,
              CASE WHEN i % 200 = 199 THEN NULL ELSE t END,
              CASE WHEN i % 200 = 199 THEN NULL ELSE t + interval '90 seconds' END,
              t - interval '5 seconds', t
       FROM base, n, ag
       CROSS JOIN LATERAL generate_series(0, ($4::int / n.agents) + CASE WHEN ag.k < $4::int % n.agents THEN 0 ELSE -1 END) i
       CROSS JOIN LATERAL (SELECT now() - interval '200 days' + (i * interval '200 days' / greatest(1, $4::int / n.agents)) + (ag.k * interval '1 second') AS t) tt`,
      [orgId, baseRun, s.cases, s.runs],
    );
    // Results: each agent passes a share of cases between 55% and 98%, varying a little per run; a run's
    // results are written together, in completion order, as the executors write them.
    await q(
      `INSERT INTO eval_results (run_id, org_id, case_id, trial, evaluation_mode, status, actual_output, answer_correct, source_correct, quality_score, passed)
       SELECT r.id, r.org_id, c.id, 1, 'answer', 'scored', 'bench', ok, CASE WHEN c.position % 3 = 0 THEN NULL ELSE ok OR c.position % 5 = 0 END,
              CASE WHEN ok THEN 4 + (c.position % 2) ELSE 1 + (c.position % 3) END, ok
       FROM eval_runs r
       JOIN golden_set_cases c ON c.golden_set_id = r.golden_set_id
       CROSS JOIN LATERAL (SELECT (abs(hashtext(r.id::text || c.id::text)) % 1000) < 550 + abs(hashtext(r.agent_id::text)) % 430 AS ok) v
       WHERE r.org_id = $1 AND r.status = 'completed' AND r.id <> $2
       ORDER BY r.completed_at, r.id, c.position`,
      [orgId, baseRun],
    );
    // Issue patterns (about 3 per agent, some critical, about half resolved).
    await q(
      `INSERT INTO issue_patterns (org_id, agent_id, title, description, status, priority, tags, linked_case_ids, metadata, status_history, resolved_date, created_at, updated_at)
       SELECT a.org_id, a.id, 'bench pattern ' || g, '',
              (ARRAY['open','in_progress','fixed','verifying','resolved','resolved'])[1 + abs(hashtext(a.id::text || g)) % 6],
              (ARRAY['low','medium','high','critical','medium','high','low','medium','high','medium','low','critical','low','medium','high','low','medium','high','low','critical'])[1 + abs(hashtext(g || a.id::text)) % 20],
              '{}', '{}', '{}', '[]', NULL, now() - g * interval '1 day', now()
       FROM agents a, generate_series(1, 3) g WHERE a.org_id = $1`,
      [orgId],
    );
    await q(`UPDATE issue_patterns SET resolved_date = now() WHERE status = 'resolved' AND org_id = $1`, [orgId]);
    // SLO policies for half of the agents; open violations for a fifth of those, a few resolved ones.
    await q(
      `INSERT INTO slo_policies (org_id, agent_id, thresholds)
       SELECT org_id, id, '{"min_pass_rate": 0.7}'::jsonb FROM agents WHERE org_id = $1 AND abs(hashtext(id::text)) % 2 = 0`,
      [orgId],
    );
    await q(
      `INSERT INTO slo_violations (org_id, agent_id, policy_id, policy_version, metric, observed_value, threshold_value, status, resolved_at, created_at)
       SELECT p.org_id, p.agent_id, p.id, 1, 'pass_rate', 0.6, 0.7, CASE WHEN g = 1 THEN 'open' ELSE 'resolved' END,
              CASE WHEN g = 1 THEN NULL ELSE now() END, now() - g * interval '1 hour'
       FROM slo_policies p, generate_series(1, 2) g WHERE p.org_id = $1 AND abs(hashtext(p.agent_id::text || 'v')) % 5 = 0`,
      [orgId],
    );
    // Readiness checklists for 60% of the agents, a third of them with a pending item.
    await q(
      `INSERT INTO agent_readiness (org_id, agent_id, items, pending_count)
       SELECT org_id, id,
              jsonb_build_array(jsonb_build_object('key', 'security_review', 'title', 'Security review', 'owner', 'sec', 'status', CASE WHEN pend THEN 'pending' ELSE 'done' END, 'note', NULL)),
              CASE WHEN pend THEN 1 ELSE 0 END
       FROM (SELECT org_id, id, abs(hashtext(id::text || 'p')) % 3 = 0 AS pend FROM agents WHERE org_id = $1 AND abs(hashtext(id::text || 'r')) % 5 < 3) x`,
      [orgId],
    );
    // One stored compare of the two latest completed runs for a third of the agents, some regressed.
    await q(
      `INSERT INTO eval_compares (org_id, agent_id, baseline_run_id, candidate_run_id, mode, compared_case_count, unpaired_case_count,
                                  regression_count, improvement_count, verdict, alpha, deltas, statistics, body)
       SELECT a.org_id, a.id, r[2], r[1], 'direct', $2, 0, reg, 1, CASE WHEN reg > 0 THEN 'regressed' ELSE 'no_significant_change' END, 0.05, '{}', '{}', '{}'
       FROM agents a
       CROSS JOIN LATERAL (SELECT array_agg(id) AS r FROM (SELECT id FROM eval_runs WHERE agent_id = a.id AND status = 'completed' ORDER BY completed_at DESC LIMIT 2) x) rr
       CROSS JOIN LATERAL (SELECT CASE WHEN abs(hashtext(a.id::text || 'c')) % 4 = 0 THEN 2 ELSE 0 END AS reg) g
       WHERE a.org_id = $1 AND abs(hashtext(a.id::text || 'c')) % 3 = 0 AND cardinality(rr.r) = 2`,
      [orgId, s.cases],
    );
    await q(`SET session_replication_role = DEFAULT`);
    for (const t of [
      'agents',
      'golden_sets',
      'golden_set_cases',
      'eval_runs',
      'eval_results',
      'issue_patterns',
      'slo_policies',
      'slo_violations',
      'agent_readiness',
      'eval_compares',
    ])
      await q(`VACUUM ANALYZE ${t}`);
    const counts = await q(
      `SELECT (SELECT count(*) FROM agents)::int AS agents, (SELECT count(*) FROM eval_runs)::int AS runs,
              (SELECT count(*) FROM eval_runs WHERE status = 'completed')::int AS completed_runs, (SELECT count(*) FROM eval_results)::int AS results,
              (SELECT count(*) FROM issue_patterns)::int AS patterns, (SELECT count(*) FROM slo_violations WHERE status = 'open')::int AS open_violations,
              (SELECT count(*) FROM agent_readiness)::int AS readiness, (SELECT count(*) FROM eval_compares)::int AS compares`,
    );
    return counts.rows[0];
  } finally {
    await db.end();
  }
}

interface Endpoint {
  name: string;
  path: () => string;
}

async function load(base: string, key: string, endpoints: Endpoint[], concurrency: number, seconds: number) {
  const samples = new Map<string, number[]>(endpoints.map((e) => [e.name, []]));
  const failures: string[] = [];
  const begin = performance.now();
  const until = begin + seconds * 1000;
  let n = 0;
  /** The slowest request: when it started (seconds into the run) and what it was. */
  let slowest = { ms: 0, at_s: 0, path: '' };
  const client = async () => {
    while (performance.now() < until) {
      const e = endpoints[n++ % endpoints.length];
      const path = e.path();
      const started = performance.now();
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
      await res.arrayBuffer();
      const ms = performance.now() - started;
      if (ms > slowest.ms) slowest = { ms: Math.round(ms), at_s: Math.round((started - begin) / 100) / 10, path };
      if (res.status !== 200) failures.push(`${res.status} ${path}`);
      else samples.get(e.name)!.push(ms);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  const wall = (performance.now() - started) / 1000;
  return { samples, failures, wall, slowest };
}

async function main(): Promise<void> {
  const s: Seed = { agents: numberArg('agents', 500), runs: numberArg('runs', 100_000), cases: numberArg('cases', 20) };
  const concurrency = numberArg('concurrency', 50);
  const seconds = numberArg('seconds', 20);
  const env = await createTestEnvironment();
  const port = await freePort();
  const common = { ...process.env, ...env, LOG_LEVEL: 'warn', API_RATE_LIMIT_PER_MINUTE: '0' };
  const profile = textArg('profile');
  const profiler = join(tmpdir(), `bench-portfolio-profiler-${process.pid}.js`);
  if (profile) writeFileSync(profiler, PROFILER_MODULE);
  const api = spawn(process.execPath, [...(profile ? ['--require', profiler] : []), join(__dirname, '..', 'apps', 'api', 'src', 'main.js')], {
    env: { ...common, PORT: String(port), HOST: '127.0.0.1', ...(profile ? { PROFILE_FILE: resolve(profile) } : {}) },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(base);
    const { org_id, api_key } = await bootstrapOrg(AppConfig.fromEnv(common), 'Bench Org');
    const call = apiCaller(base, api_key);
    const agent = await call('POST', '/api/v1/agents', { org_id, name: 'bench agent 0001', agent_type: 'search_retrieval' });
    const cases = Array.from({ length: s.cases }, (_, i) => ({ input: `question ${i}`, expected_answer: `answer ${i}` }));
    const set = await call('POST', '/api/v1/golden-sets/upload', { agent_id: agent.id, name: 'bench set', cases });
    const run = await call('POST', '/api/v1/eval/runs', { agent_id: agent.id, golden_set_id: set.golden_set.id });
    await call('POST', `/api/v1/eval/runs/${run.id}/execute`, {});
    const seedStarted = performance.now();
    const counts = await seed(env.DATABASE_URL, org_id, agent.id, run.id, s);
    const seedMs = Math.round(performance.now() - seedStarted);

    const db = new Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    const agentIds: string[] = (await db.query(`SELECT id FROM agents WHERE org_id = $1`, [org_id])).rows.map((r) => r.id);
    await db.end();
    // Launch decisions through the API (they are hash-chained): no_go for a tenth of the agents.
    let decisions = 0;
    for (const id of agentIds.filter((_, i) => i % 10 === 0)) {
      try {
        await call('POST', `/api/v1/agents/${id}/launch-decision`, { decision: 'no_go', reason: 'bench: not yet' });
        decisions += 1;
      } catch (err) {
        process.stderr.write(`launch decisions skipped: ${(err as Error).message}\n`);
        break;
      }
    }
    const pick = () => agentIds[Math.floor(Math.random() * agentIds.length)];
    const endpoints: Endpoint[] = [
      { name: 'portfolio-health', path: () => `/api/v1/orgs/${org_id}/portfolio-health?limit=50&offset=${50 * Math.floor(Math.random() * 10)}` },
      { name: 'health', path: () => `/api/v1/agents/${pick()}/health` },
      { name: 'score-trend', path: () => `/api/v1/agents/${pick()}/score-trend?limit=30` },
    ];
    // --floor: also time a plain single-row read, the cost of any authenticated request
    if (process.argv.includes('--floor')) endpoints.push({ name: 'agent (floor)', path: () => `/api/v1/agents/${pick()}` });
    // --only <name>: time one endpoint alone (e.g. to profile it)
    const only = textArg('only');
    if (only) endpoints.splice(0, endpoints.length, ...endpoints.filter((e) => e.name.startsWith(only)));
    await load(base, api_key, endpoints, 5, 3); // warm-up
    // one client alone first: what a request costs without waiting behind others
    const alone = await load(base, api_key, endpoints, 1, numberArg('alone-seconds', 5));
    if (profile) process.kill(api.pid!, 'SIGWINCH');
    const [cpuBefore, machineBefore, clientBefore] = [cpuMs(api.pid!), machineCpuMs(), process.cpuUsage()];
    const loaded = await load(base, api_key, endpoints, concurrency, seconds);
    const cpuUsed = cpuMs(api.pid!) - cpuBefore;
    const machineUsed = machineCpuMs() - machineBefore;
    const clientUsed = process.cpuUsage(clientBefore);
    if (profile) {
      rmSync(resolve(profile), { force: true });
      process.kill(api.pid!, 'SIGWINCH');
      while (!existsSync(resolve(profile))) await new Promise((r) => setTimeout(r, 100));
      process.stdout.write(`api CPU profile of the concurrent phase: ${resolve(profile)}\n`);
    }
    const { samples, wall } = loaded;
    const failures = [...alone.failures, ...loaded.failures];
    const report: Record<string, unknown> = {
      ...counts,
      decisions,
      seed_ms: seedMs,
      concurrency,
      seconds: Math.round(wall * 10) / 10,
      slowest: loaded.slowest,
    };
    let total = 0;
    const lines: string[] = [];
    for (const [name, xs] of samples) {
      xs.sort((a, b) => a - b);
      total += xs.length;
      const r = (p: number) => Math.round(percentile(xs, p) * 10) / 10;
      report[name] = { requests: xs.length, p50_ms: r(50), p99_ms: r(99), max_ms: Math.round(xs[xs.length - 1] ?? 0) };
      lines.push(`${name}: p50 ${r(50)} ms, p99 ${r(99)} ms, max ${Math.round(xs[xs.length - 1] ?? 0)} ms (${xs.length} requests)`);
    }
    report.requests_per_second = Math.round(total / wall);
    // what one request costs the api process, whatever else runs on the machine
    const perRequest = (ms: number) => Math.round((ms / Math.max(1, total)) * 100) / 100;
    report.api_cpu_ms_per_request = perRequest(cpuUsed);
    // the same for the load generator (this process) and for everything else (Postgres, other work on the machine)
    const clientMs = (clientUsed.user + clientUsed.system) / 1000;
    report.client_cpu_ms_per_request = perRequest(clientMs);
    report.other_cpu_ms_per_request = perRequest(Math.max(0, machineUsed - cpuUsed - clientMs));
    const aloneLines: string[] = [];
    for (const [name, xs] of alone.samples) {
      xs.sort((a, b) => a - b);
      const r = (p: number) => Math.round(percentile(xs, p) * 10) / 10;
      report[`${name} (one client)`] = { requests: xs.length, p50_ms: r(50), p99_ms: r(99) };
      aloneLines.push(`${name} p50 ${r(50)} ms`);
    }
    report.failures = failures.length;
    report.api_peak_rss_mb = peakRssMb(api.pid!);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(
      `bench:portfolio ${counts.agents} agents, ${counts.runs} runs, ${concurrency} concurrent for ${seconds} s: ${lines.join('; ')}; ` +
        `${report.requests_per_second} req/s, CPU per request: api ${report.api_cpu_ms_per_request} ms, client ${report.client_cpu_ms_per_request} ms, other ${report.other_cpu_ms_per_request} ms; api peak RSS ${report.api_peak_rss_mb} MB, failures ${failures.length}; one client alone: ${aloneLines.join(', ')}\n`,
    );
    if (failures.length > 0) {
      process.stderr.write(`first failures: ${failures.slice(0, 5).join(', ')}\n`);
      process.exitCode = 1;
    }
  } finally {
    await stop(api);
    if (profile) rmSync(profiler, { force: true });
    // --keep: leave the database for a look at the plans (its URL is printed); dropped otherwise
    if (process.argv.includes('--keep')) process.stdout.write(`kept database ${env.DATABASE_URL}\n`);
    else await destroyTestEnvironment(env);
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
