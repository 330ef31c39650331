import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { AppConfig } from '@greenlight/config';
import { createTestEnvironment, destroyTestEnvironment } from '@greenlight/testing';
import { createApiApp } from '../apps/api/src/create-api-app';
import { apiCaller } from './api-call';
import { bootstrapOrg } from './bootstrap';
import { numberArg } from './bench-support';

/**
 * `npm run bench:eval -- [--cases 1000] [--latency 20] [--concurrency 8]`: a golden set of N cases
 * through the synchronous execute path against a local agent with a fixed latency, on a fresh
 * database. Prints wall time, cases/s, platform overhead per case and peak RSS.
 */
async function main(): Promise<void> {
  const n = numberArg('cases', 1000);
  const latency = numberArg('latency', 20);
  const concurrency = numberArg('concurrency', 8);
  const env = await createTestEnvironment();
  const agent = spawn(process.execPath, [join(__dirname, 'fixed-latency-agent.js')], {
    env: { ...process.env, LATENCY_MS: String(latency) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) => agent.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
  const config = AppConfig.fromEnv({
    ...process.env,
    ...env,
    LOG_LEVEL: 'warn',
    OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
    EVAL_SYNC_CONCURRENCY: String(concurrency),
    EVAL_SYNC_MAX_CASES: String(Math.max(n, 5000)),
    API_RATE_LIMIT_PER_MINUTE: '0',
  });
  const app = await createApiApp(config);
  await app.listen(0, '127.0.0.1');
  const base = await app.getUrl();
  try {
    const { org_id, api_key } = await bootstrapOrg(config, 'Bench Org');
    const call = apiCaller(base, api_key);
    const agentRow = await call('POST', '/api/v1/agents', {
      org_id,
      name: 'bench agent',
      agent_type: 'search_retrieval',
      api_endpoint: `http://127.0.0.1:${port}/`,
    });
    const cases = Array.from({ length: n }, (_, i) => ({ input: `question ${i}`, expected_answer: i % 2 ? 'ok' : `answer ${i}` }));
    const set = await call('POST', '/api/v1/golden-sets/upload', { agent_id: agentRow.id, name: 'bench set', cases });
    const run = await call('POST', '/api/v1/eval/runs', { agent_id: agentRow.id, golden_set_id: set.golden_set.id, executor_mode: 'agent_http' });
    const started = performance.now();
    const executed = await call('POST', `/api/v1/eval/runs/${run.id}/execute`);
    const wallMs = performance.now() - started;
    const idealMs = (n * latency) / concurrency;
    const rssMb = process.resourceUsage().maxRSS / 1024;
    const report = {
      cases: n,
      agent_latency_ms: latency,
      concurrency,
      status: executed.run.status,
      results: executed.summary.result_count,
      wall_ms: Math.round(wallMs),
      cases_per_second: Math.round((n / wallMs) * 1000 * 10) / 10,
      ideal_ms: Math.round(idealMs),
      overhead_per_case_ms: Math.round(((wallMs - idealMs) / n) * 100) / 100,
      overhead_per_case_ms_per_slot: Math.round((((wallMs - idealMs) * concurrency) / n) * 100) / 100,
      peak_rss_mb: Math.round(rssMb),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(
      `bench:eval  N=${n} L=${latency}ms C=${concurrency}: wall ${report.wall_ms} ms (ideal ${report.ideal_ms} ms), ` +
        `${report.cases_per_second} cases/s, overhead ${report.overhead_per_case_ms} ms/case, peak RSS ${report.peak_rss_mb} MB\n`,
    );
  } finally {
    await app.close();
    agent.kill('SIGTERM');
    await destroyTestEnvironment(env);
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
