import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { NotificationOutbox } from '@greenlight/notifications';
import { createTestEnvironment, destroyTestEnvironment } from '@greenlight/testing';
import { createApiApp } from '../apps/api/src/create-api-app';
import { apiCaller } from './api-call';
import { bootstrapOrg } from './bootstrap';
import { numberArg } from './bench-support';

/**
 * `npm run bench:webhooks -- [--events N --concurrency C]`: N events (default 2000) committed through
 * the transactional outbox, C transactions at a time (default 16), delivered by one worker process to a
 * local receiver. Prints end-to-end latency (commit → receipt) p50/p95/p99/max, deliveries/s and the
 * worker's CPU time over the run and its peak RSS. Runs on a fresh database and Redis prefix.
 */
/**
 * Records the receipt time of every event (by its seq) and reports them to the parent when all arrived.
 * The warm-up event (seq -1) is only reported as having arrived.
 */
const RECEIVER_SOURCE = `
const http = require('node:http');
const events = Number(process.env.EVENTS);
const received = new Map();
let duplicates = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = Date.now();
    const seq = JSON.parse(Buffer.concat(chunks).toString('utf8')).data.seq;
    if (seq < 0) return res.writeHead(204).end(() => process.send({ warm: true }));
    if (received.has(seq)) duplicates++; else received.set(seq, at);
    res.writeHead(204).end();
    if (received.size === events) process.send({ received: [...received.entries()], duplicates });
  });
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
`;

/** CPU time (user + system) a process has used so far, in ms (Linux clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function main(): Promise<void> {
  const events = numberArg('events', 2000);
  const concurrency = numberArg('concurrency', 16);
  const env = await createTestEnvironment();
  const committed = new Map<number, number>();
  // The receiver runs in its own process, so the emitters' work does not delay its clock readings.
  const receiver = spawn(process.execPath, ['-e', RECEIVER_SOURCE], {
    env: { ...process.env, EVENTS: String(events) },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const receiverPort = await new Promise<number>((resolve) => receiver.once('message', (m: { port: number }) => resolve(m.port)));
  const results = new Promise<{ received: [number, number][]; duplicates: number }>((resolve) =>
    receiver.on('message', (m: { received?: [number, number][]; duplicates: number }) => m.received && resolve(m as never)),
  );
  const receiverUrl = `http://127.0.0.1:${receiverPort}/hooks`;

  const common = {
    ...process.env,
    ...env,
    LOG_LEVEL: 'warn',
    OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
    API_RATE_LIMIT_PER_MINUTE: '0',
    QUEUE_MAINTENANCE_INTERVAL_MS: '0',
  };
  const app = await createApiApp(AppConfig.fromEnv(common));
  await app.listen(0, '127.0.0.1');
  let worker: ChildProcess | undefined;
  try {
    const { org_id, api_key } = await bootstrapOrg(AppConfig.fromEnv(common), 'Bench Org');
    await apiCaller(await app.getUrl(), api_key)('POST', '/api/v1/webhooks/endpoints', { org_id, url: receiverUrl });
    worker = spawn(process.execPath, [join(__dirname, '..', 'apps', 'worker', 'src', 'main.js')], {
      env: { ...common, WORKER_PORT: '0' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const db = app.get(DataSource);
    const outbox = app.get(NotificationOutbox);
    // The clock starts once the worker is up: one warm-up event went all the way to the receiver.
    const warm = new Promise<void>((resolve) => receiver.on('message', (m: { warm?: boolean }) => m.warm && resolve()));
    await outbox.withEvents((_m, emit) => emit({ org_id, event_type: 'webhook.test', data: { seq: -1, note: 'warm-up' } }));
    await Promise.race([
      warm,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the worker delivered nothing within 60 s')), 60_000).unref()),
    ]);
    const started = Date.now();
    const workerCpuAtStart = cpuMs(worker.pid!);
    let next = 0;
    // Each event is its own business transaction; its delivery job is enqueued after the commit.
    const emitter = async () => {
      for (let seq = next++; seq < events; seq = next++) {
        const refs = await db.transaction((m) => outbox.record(m, { org_id, event_type: 'webhook.test', data: { seq, note: 'bench' } }));
        committed.set(seq, Date.now());
        await outbox.dispatch(refs);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, emitter));
    const emittedMs = Date.now() - started;
    const outcome = await Promise.race([
      results,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('not every event was received within 120 s')), 120_000).unref()),
    ]);
    const received = new Map(outcome.received);
    const duplicates = outcome.duplicates;
    const wallMs = Math.max(...received.values()) - started;
    const latencies = [...received.entries()].map(([seq, at]) => at - committed.get(seq)!).sort((a, b) => a - b);
    const workerCpu = cpuMs(worker.pid!) - workerCpuAtStart;
    const status = readFileSync(`/proc/${worker.pid}/status`, 'utf8');
    const rss = Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    process.stdout.write(
      `bench:webhooks events=${events} emitters=${concurrency}: received ${received.size} (+${duplicates} repeats), committed in ${Math.round(emittedMs)} ms, ` +
        `all delivered in ${Math.round(wallMs)} ms, ${Math.round((events / wallMs) * 1000)} deliveries/s; latency commit→receipt ` +
        `p50 ${pct(latencies, 50).toFixed(1)} ms, p95 ${pct(latencies, 95).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms, ` +
        `max ${latencies[latencies.length - 1].toFixed(1)} ms; worker CPU ${workerCpu} ms, peak RSS ${rss} MB\n`,
    );
  } finally {
    worker?.kill('SIGTERM');
    await app.close();
    receiver.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await destroyTestEnvironment(env);
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
