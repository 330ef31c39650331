import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '@greenlight/config';
import { createTestEnvironment, destroyTestEnvironment } from '@greenlight/testing';
import { createApiApp } from '../apps/api/src/create-api-app';
import { apiCaller } from './api-call';
import { bootstrapOrg } from './bootstrap';

/**
 * `npm run bench:run -- [--cases N --latency L --concurrency C]`: N cases through `start` and one worker
 * process (concurrency C) against a local agent with a fixed latency L, on a fresh database. Without
 * arguments it runs the three configurations of the issue. Prints wall time, the ideal N×L/C, their
 * ratio, cases/s, per-case platform overhead and the worker's peak RSS.
 */
function arg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
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
    const agentRow = await call('POST', '/api/v1/agents', { org_id, name: 'bench agent', agent_type: 'search_retrieval', api_endpoint: `http://127.0.0.1:${agentPort}/` });
    const cases = Array.from({ length: n }, (_, i) => ({ input: `question ${i}`, expected_answer: 'ok' }));
    const set = await call('POST', '/api/v1/golden-sets/upload', { agent_id: agentRow.id, name: 'bench set', cases });
    const run = await call('POST', '/api/v1/eval/runs', { agent_id: agentRow.id, golden_set_id: set.golden_set.id, executor_mode: 'agent_http' });

    worker = spawn(process.execPath, [join(__dirname, '..', 'apps', 'worker', 'src', 'main.js')], {
      env: { ...common, WORKER_PORT: String(20_000 + Math.floor(Math.random() * 20_000)), EVAL_WORKER_CONCURRENCY: String(concurrency), EVAL_WORKER_CHUNK_SIZE: '10' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // Wait for the worker's health server to be up before the clock starts.
    await new Promise((r) => setTimeout(r, 3000));
    const started = performance.now();
    await call('POST', `/api/v1/eval/runs/${run.id}/start`);
    let status = 'pending';
    while (!['completed', 'failed', 'cancelled'].includes(status)) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await call('GET', `/api/v1/eval/runs/${run.id}`)).status;
    }
    const wallMs = performance.now() - started;
    const summary = await call('GET', `/api/v1/eval/runs/${run.id}/summary`);
    const idealMs = (n * latency) / concurrency;
    const rss = peakRssMb(worker.pid!);
    return (
      `bench:run  N=${n} L=${latency}ms C=${concurrency}: status ${status}, results ${summary.result_count}, wall ${Math.round(wallMs)} ms, ` +
      `ideal ${Math.round(idealMs)} ms, ratio ${(wallMs / idealMs).toFixed(2)}, ${Math.round((n / wallMs) * 1000)} cases/s, ` +
      `overhead ${(((wallMs - idealMs) * concurrency) / n).toFixed(2)} ms/case/slot, worker peak RSS ${rss} MB`
    );
  } finally {
    worker?.kill('SIGTERM');
    await app.close();
    agent.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await destroyTestEnvironment(env);
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
