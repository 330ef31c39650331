import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * A hot-path statement as a named prepared statement on the pool TypeORM uses: PostgreSQL parses and
 * plans it once per connection rather than on every call, which for these short statements is most
 * of their cost (the write statement: about 0.75 ms unprepared against 0.13 ms prepared).
 */
export async function preparedQuery<T>(db: DataSource, name: string, text: string, values: unknown[]): Promise<T[]> {
  const pool = (db.driver as PostgresDriver).master as Pool;
  return (await pool.query({ name, text, values })).rows as T[];
}
