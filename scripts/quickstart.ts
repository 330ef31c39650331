import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppConfig, redactUrl } from '@greenlight/config';
import { ensureDatabase, runMigrations } from '@greenlight/database';
import { formatDemo, runDemo } from './demo';
import { renewDemoKey } from './demo-key';
import { findRedisServer, postgresAnswers, redisAnswers, startEmbeddedPostgres, startRedisServer, stopEmbeddedPostgres } from './local-services';

const ROOT = resolve(__dirname, '..', '..');
const STATE = join(ROOT, '.greenlight');
const PIDS = join(STATE, 'pids.json');
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/greenlight';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const EMBEDDED_PG_PORT = 54329;

interface Pids {
  api?: number;
  worker?: number;
  sample_agent?: number;
  redis_started?: boolean;
  embedded_postgres?: boolean;
}

const say = (m: string) => process.stdout.write(`==> ${m}\n`);

function readPids(): Pids {
  try {
    return JSON.parse(readFileSync(PIDS, 'utf8')) as Pids;
  } catch {
    return {};
  }
}

function alive(pid?: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopApps(pids: Pids): Promise<void> {
  for (const name of ['api', 'worker', 'sample_agent'] as const) {
    const pid = pids[name];
    if (!alive(pid)) continue;
    say(`stopping ${name} (pid ${pid})`);
    process.kill(pid!, 'SIGTERM');
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
    if (alive(pid)) process.kill(pid!, 'SIGKILL');
  }
}

async function resolvePostgres(): Promise<{ url: string; embedded: boolean }> {
  const given = process.env.DATABASE_URL;
  if (given) {
    if (!(await postgresAnswers(given))) {
      throw new Error(`DATABASE_URL is set but no Postgres answers at ${redactUrl(given)}`);
    }
    return { url: given, embedded: false };
  }
  if (await postgresAnswers(DEFAULT_DATABASE_URL)) return { url: DEFAULT_DATABASE_URL, embedded: false };
  const embeddedUrl = `postgres://postgres:greenlight@127.0.0.1:${EMBEDDED_PG_PORT}/greenlight`;
  if (await postgresAnswers(embeddedUrl)) return { url: embeddedUrl, embedded: true };
  say(`no Postgres at 127.0.0.1:5432; using the embedded one`);
  const url = await startEmbeddedPostgres(STATE, EMBEDDED_PG_PORT, 'greenlight', say);
  return { url, embedded: true };
}

async function resolveRedis(): Promise<{ url: string; started: boolean }> {
  const url = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  if (await redisAnswers(url)) return { url, started: false };
  if (process.env.REDIS_URL) throw new Error(`REDIS_URL is set but no Redis answers at ${redactUrl(url)}`);
  const binary = findRedisServer();
  if (!binary) {
    throw new Error(
      `no Redis answers at ${url} and redis-server is not installed. Get one with either:\n` +
        `      docker compose up -d redis\n` +
        `      sudo apt-get install -y redis-server   (macOS: brew install redis)\n` +
        `    then run this command again (or set REDIS_URL).`,
    );
  }
  say(`no Redis at ${url}; starting ${binary}`);
  startRedisServer(binary, Number(new URL(url).port || 6379), STATE);
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers(url)) return { url, started: true };
    await sleep(100);
  }
  throw new Error(`redis-server did not come up (see ${join(STATE, 'logs', 'redis.log')})`);
}

const ENTRY_POINTS = {
  api: join('apps', 'api', 'src', 'main.js'),
  worker: join('apps', 'worker', 'src', 'main.js'),
  sample_agent: join('scripts', 'sample-agent.js'),
};

function startApp(name: keyof typeof ENTRY_POINTS, env: NodeJS.ProcessEnv): number {
  const log = openSync(join(STATE, 'logs', `${name}.log`), 'a');
  const child = spawn(process.execPath, [join(ROOT, 'dist', ENTRY_POINTS[name])], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  return child.pid!;
}

async function waitReady(name: string, url: string, pid: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) break;
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  const logFile = join(STATE, 'logs', `${name}.log`);
  const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-25).join('\n') : '';
  throw new Error(`${name} did not become ready at ${url}. Last log lines (${logFile}):\n${tail}`);
}

async function start(): Promise<void> {
  const started = Date.now();
  mkdirSync(join(STATE, 'logs'), { recursive: true });
  const previous = readPids();
  await stopApps(previous);

  const pg = await resolvePostgres();
  const redis = await resolveRedis();
  say(`Postgres: ${redactUrl(pg.url)}${pg.embedded ? ' (embedded)' : ''}`);
  say(`Redis:    ${redactUrl(redis.url)}${redis.started ? ' (started here)' : ''}`);

  // The sample agent runs on 127.0.0.1, which the outbound guard refuses unless allow-listed.
  const allowed = [process.env.OUTBOUND_ALLOWED_HOSTS, '127.0.0.1'].filter(Boolean).join(',');
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: pg.url, REDIS_URL: redis.url, OUTBOUND_ALLOWED_HOSTS: allowed };
  const agentPort = Number(process.env.SAMPLE_AGENT_PORT ?? 3002);
  const config = AppConfig.fromEnv(env);
  if (await ensureDatabase(pg.url)) say('created database');
  const ran = await runMigrations(config);
  say(ran.length ? `applied migrations: ${ran.join(', ')}` : 'schema is up to date');

  const port = config.get('PORT');
  const workerPort = config.get('WORKER_PORT');
  if (workerPort === 0) throw new Error('the quick start checks the worker at its health port: set WORKER_PORT to a fixed port, not 0');
  const pids: Pids = {
    embedded_postgres: pg.embedded || previous.embedded_postgres,
    redis_started: redis.started || previous.redis_started,
  };
  pids.api = startApp('api', env);
  pids.worker = startApp('worker', env);
  pids.sample_agent = startApp('sample_agent', { ...env, SAMPLE_AGENT_PORT: String(agentPort) });
  writeFileSync(PIDS, JSON.stringify(pids));
  say(`starting api (pid ${pids.api}), worker (pid ${pids.worker}) and the sample agent (pid ${pids.sample_agent}); logs in .greenlight/logs/`);
  await Promise.all([
    waitReady('api', `http://127.0.0.1:${port}/health/ready`, pids.api),
    waitReady('worker', `http://127.0.0.1:${workerPort}/health/ready`, pids.worker),
    waitReady('sample_agent', `http://127.0.0.1:${agentPort}/health`, pids.sample_agent),
  ]);

  // A new demo key each start; the previous start's key (in .greenlight/demo.json) is revoked.
  const demo = await renewDemoKey(config, join(STATE, 'demo.json'));
  if (demo.revoked_previous) say('revoked the previous demo key');

  const check = await fetch(`http://127.0.0.1:${port}/api/v1/agents`, { headers: { Authorization: `Bearer ${demo.api_key}` } });
  if (!check.ok) throw new Error(`the demo key could not list agents: HTTP ${check.status} ${await check.text()}`);

  const base = `http://localhost:${port}`;
  const readyIn = ((Date.now() - started) / 1000).toFixed(1);
  say(`ready in ${readyIn} s; demo key ${demo.api_key} (saved in .greenlight/demo.json)`);
  say('running the demo evaluation through the worker (start → progress → summary)');
  try {
    const demoRun = await runDemo(
      `http://127.0.0.1:${port}`,
      demo.api_key,
      demo.org_id,
      `http://127.0.0.1:${agentPort}/invoke`,
      join(ROOT, 'samples'),
      (done, total, status) => say(`    run ${status}: ${done}/${total} cases`),
      { onRateLimited: (ms) => say(`    the key's rate limit is reached; waiting ${(ms / 1000).toFixed(0)} s`) },
    );
    process.stdout.write(`\n${formatDemo(demoRun, base)}\n`);
  } catch (err) {
    // The platform is up and the key works; a failed demo is reported, not a reason to hide them.
    process.exitCode = 1;
    process.stdout.write(`\nThe demo evaluation did not finish: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.stdout.write(
    [
      '',
      `Greenlight is running (ready in ${readyIn} s).`,
      '',
      `  API:         ${base}/api/v1`,
      `  Swagger UI:  ${base}/docs`,
      `  Worker:      http://localhost:${workerPort}/health`,
      `  Bull Board:  ${base}/admin/queues  (sign in with any user name and the key below as password)`,
      `  Sample agent: http://127.0.0.1:${agentPort}/invoke`,
      `  Demo org:    ${demo.org_id}`,
      `  API key:     ${demo.api_key}`,
      `               (global admin; also saved in .greenlight/demo.json)`,
      '',
      'Try it:',
      `  curl -H "Authorization: Bearer ${demo.api_key}" ${base}/api/v1/agents`,
      '',
      'Stop everything with: npm run stop',
      '',
    ].join('\n'),
  );
}

async function stop(): Promise<void> {
  const pids = readPids();
  await stopApps(pids);
  if (pids.embedded_postgres && (await stopEmbeddedPostgres(STATE))) say('stopped embedded Postgres');
  if (pids.redis_started) {
    const pidFile = join(STATE, 'redis.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (alive(pid)) {
        process.kill(pid, 'SIGTERM');
        say('stopped redis-server');
      }
    }
  }
  rmSync(PIDS, { force: true });
  say('stopped');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const command = process.argv[2] ?? 'start';
(command === 'stop' ? stop() : start()).catch((err) => {
  process.stderr.write(`\nquickstart failed: ${(err as Error).message}\n`);
  process.exit(1);
});
