import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { AppConfig } from '@greenlight/config';
import { createTestEnvironment, destroyTestEnvironment } from '@greenlight/testing';
import { createApiApp } from '../apps/api/src/create-api-app';
import { apiCaller } from './api-call';
import { bootstrapOrg } from './bootstrap';

/**
 * `npm run bench:run -- [--cases N --latency L --concurrency C --chunk S --warmup W]`: N cases through `start` and one worker
 * process (concurrency C) against a local agent with a fixed latency L, on a fresh database. Without
 * arguments it runs the three configurations of the issue. Prints wall time, the ideal N×L/C, their
 * ratio, cases/s, per-case platform overhead and the worker's peak RSS.
 *
 * Diagnostics: BENCH_TIMELINE=1 adds where the wall time went (run events and first/last result batch
 * on the database clock), the mean agent-call and case latency, and the CPU time each process used
 * during the run; BENCH_WORKER_NODE_ARGS passes node flags to the worker (e.g. "--cpu-prof
 * --cpu-prof-dir=/tmp/prof": the profile is written when the worker exits).
 */
function arg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

/** Extra node flags for the worker process (e.g. BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"). */
function workerNodeArgs(): string[] {
  return (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/**
 * CPU time (ms, user + system) used so far by the bench's processes and by every postgres and redis
 * process on the machine (the machine is shared, so those two are approximate).
 */
function cpuMs(pids: Record<string, number>): Record<string, number> {
  const ticks = (pid: number | string): number => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(fields[11]) + Number(fields[12]);
    } catch {
      return 0;
    }
  };
  const out: Record<string, number> = { postgres: 0, redis: 0 };
  for (const [name, pid] of Object.entries(pids)) out[name] = ticks(pid) * 10;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let comm = '';
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (comm === 'postgres') out.postgres += ticks(pid) * 10;
    else if (comm.startsWith('redis-server')) out.redis += ticks(pid) * 10;
  }
  return out;
}

async function benchOnce(n: number, latency: number, concurrency: number): Promise<string> {
  const env = await createTestEnvironment();
  const agent = spawn(process.execPath, [join(__dirname, 'fixed-latency-agent.js')], {
    env: { ...process.env, LATENCY_MS: String(latency) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const agentPort = await new Promise<number>((resolve) => agent.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
  const common = { ...process.env, ...env, LOG_LEVEL: 'warn', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', API_RATE_LIMIT_PER_MINUTE: '0' };
  const app = await createApiApp(AppConfig.fromEnv(common));
  await app.listen(0, '127.0.0.1');
  const base = await app.getUrl();
  let worker: ChildProcess | undefined;
  try {
    const { org_id, api_key } = await bootstrapOrg(AppConfig.fromEnv(common), 'Bench Org');
    const call = apiCaller(base, api_key);
    const agentRow = await call('POST', '/api/v1/agents', {
      org_id,
      name: 'bench agent',
      agent_type: 'search_retrieval',
      api_endpoint: `http://127.0.0.1:${agentPort}/`,
    });
    const newRun = async (size: number, label: string) => {
      const cases = Array.from({ length: size }, (_, i) => ({ input: `question ${i}`, expected_answer: 'ok' }));
      const set = await call('POST', '/api/v1/golden-sets/upload', { agent_id: agentRow.id, name: `${label} set`, cases });
      return call('POST', '/api/v1/eval/runs', { agent_id: agentRow.id, golden_set_id: set.golden_set.id, executor_mode: 'agent_http' });
    };
    const runToEnd = async (runId: string) => {
      await call('POST', `/api/v1/eval/runs/${runId}/start`);
      let s = 'pending';
      while (!['completed', 'failed', 'cancelled'].includes(s)) {
        await new Promise((r) => setTimeout(r, 50));
        s = (await call('GET', `/api/v1/eval/runs/${runId}`)).status;
      }
      return s;
    };
    const run = await newRun(n, 'bench');
    const warmup = arg('warmup') ?? 0;
    const warm = warmup > 0 ? await newRun(warmup, 'warm-up') : null;

    worker = spawn(process.execPath, [...workerNodeArgs(), join(__dirname, '..', 'apps', 'worker', 'src', 'main.js')], {
      env: {
        ...common,
        WORKER_PORT: '0',
        EVAL_WORKER_CONCURRENCY: String(concurrency),
        ...(arg('chunk') !== undefined ? { EVAL_WORKER_CHUNK_SIZE: String(arg('chunk')) } : {}),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // Wait for the worker's health server to be up before the clock starts.
    await new Promise((r) => setTimeout(r, 3000));
    // Optional: a first run through the same worker, so the timed one meets a warmed-up process (JIT).
    if (warm) await runToEnd(warm.id);
    const pids = { worker: worker.pid!, agent: agent.pid!, 'bench+api': process.pid };
    const cpuBefore = cpuMs(pids);
    const started = performance.now();
    const status = await runToEnd(run.id);
    const wallMs = performance.now() - started;
    const cpuAfter = cpuMs(pids);
    const cpu = Object.keys(cpuAfter)
      .map((k) => `${k} ${cpuAfter[k] - (cpuBefore[k] ?? 0)}`)
      .join(', ');
    const summary = await call('GET', `/api/v1/eval/runs/${run.id}/summary`);
    const idealMs = (n * latency) / concurrency;
    const rss = peakRssMb(worker.pid!);
    const line =
      `bench:run  N=${n} L=${latency}ms C=${concurrency}: status ${status}, results ${summary.result_count}, wall ${Math.round(wallMs)} ms, ` +
      `ideal ${Math.round(idealMs)} ms, ratio ${(wallMs / idealMs).toFixed(2)}, ${Math.round((n / wallMs) * 1000)} cases/s, ` +
      `overhead ${(((wallMs - idealMs) * concurrency) / n).toFixed(2)} ms/case/slot, worker peak RSS ${rss} MB` +
      (warmup > 0 ? ` (worker warmed up by a ${warmup}-case run)` : ' (fresh worker)');
    return process.env.BENCH_TIMELINE ? `${line}\n${await timeline(env.DATABASE_URL, run.id)}\n           cpu ms during the run: ${cpu}` : line;
  } finally {
    worker?.kill('SIGTERM');
    await app.close();
    agent.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await destroyTestEnvironment(env);
  }
}

/**
 * BENCH_TIMELINE=1: where a run's wall time went, from the database's own clock: queued → started →
 * fanned out → first result batch → last result batch → terminal state (ms since queued).
 */
async function timeline(databaseUrl: string, runId: string): Promise<string> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query(
      `WITH t0 AS (SELECT min(created_at) AS at FROM eval_run_events WHERE run_id = $1 AND event_type = 'run_queued')
       SELECT e.event_type AS step, round(extract(epoch FROM e.created_at - t0.at) * 1000) AS ms FROM eval_run_events e, t0 WHERE e.run_id = $1
       UNION ALL SELECT 'first_batch', round(extract(epoch FROM min(r.created_at) - t0.at) * 1000) FROM eval_results r, t0 WHERE r.run_id = $1 GROUP BY t0.at
       UNION ALL SELECT 'last_batch', round(extract(epoch FROM max(r.created_at) - t0.at) * 1000) FROM eval_results r, t0 WHERE r.run_id = $1 GROUP BY t0.at
       ORDER BY 2`,
      [runId],
    );
    const { rows: lat } = await db.query(
      `SELECT round(avg(execution_latency_ms), 1) AS http, round(avg(case_latency_ms), 1) AS "case" FROM eval_run_artifacts WHERE run_id = $1`,
      [runId],
    );
    return (
      `           timeline: ${rows.map((r: { step: string; ms: string }) => `${r.step} ${r.ms}`).join(' → ')}\n` +
      `           mean per case: agent call ${lat[0].http} ms, whole case ${lat[0].case} ms`
    );
  } finally {
    await db.end();
  }
}

async function main(): Promise<void> {
  const n = arg('cases');
  const configs: [number, number, number][] =
    n !== undefined
      ? [[n, arg('latency') ?? 50, arg('concurrency') ?? 32]]
      : [
          [1000, 50, 4],
          [1000, 50, 32],
          [5000, 20, 64],
        ];
  for (const [cases, latency, concurrency] of configs) process.stdout.write(`${await benchOnce(cases, latency, concurrency)}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
