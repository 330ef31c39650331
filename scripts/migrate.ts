import 'reflect-metadata';
import { AppConfig } from '@greenlight/config';
import { ensureDatabase, runMigrations } from '@greenlight/database';

/** `npm run migration:run`: creates the database if needed and applies pending migrations. */
async function main(): Promise<void> {
  const config = AppConfig.fromEnv();
  const created = await ensureDatabase(config.get('DATABASE_URL'));
  if (created) process.stdout.write('created database\n');
  const ran = await runMigrations(config);
  process.stdout.write(ran.length ? `applied ${ran.length} migration(s): ${ran.join(', ')}\n` : 'schema is up to date\n');
}

main().catch((err) => {
  process.stderr.write(`migration failed: ${(err as Error).message}\n`);
  process.exit(1);
});
