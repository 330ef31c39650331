import { DataSource, DataSourceOptions } from 'typeorm';
import { Client } from 'pg';
import { AppConfig } from '@greenlight/config';
import { ENTITIES } from './entities';
import { MIGRATIONS } from '../../../migrations';

/** TypeORM options for both apps, the CLI and the tests: schema comes only from migrations. */
export function buildDataSourceOptions(config: AppConfig): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.get('DATABASE_URL'),
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    extra: { max: config.get('DATABASE_POOL_SIZE'), connectionTimeoutMillis: 5000 },
  };
}

/** Applies every pending migration; returns the names of those it ran. */
export async function runMigrations(config: AppConfig): Promise<string[]> {
  const ds = new DataSource({ ...buildDataSourceOptions(config), extra: { max: 2 } });
  await ds.initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

/** Creates the database named in `url` when the server does not have it yet; true if it did. */
export async function ensureDatabase(url: string): Promise<boolean> {
  return withServer(url, async (client, dbName) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE "${dbName}"`);
    return true;
  });
}

/** Drops the database named in `url` (tests clean up after themselves with it). */
export async function dropDatabase(url: string): Promise<void> {
  await withServer(url, (client, dbName) => client.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`));
}

/** Runs `fn` on a connection to the server's `postgres` database, with the validated name of `url`'s database. */
async function withServer<T>(url: string, fn: (client: Client, dbName: string) => Promise<T>): Promise<T> {
  const dbName = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(dbName)) throw new Error(`unsupported database name "${dbName}"`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client, dbName);
  } finally {
    await client.end();
  }
}
