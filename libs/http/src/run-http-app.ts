import { INestApplication, Logger } from '@nestjs/common';
import { AppConfig, ConfigError } from '@greenlight/config';
import { RedisPrefixConflictError } from '@greenlight/queue';

/**
 * Entry point of both apps: validate config (a bad variable exits 78 with its name), build the app,
 * listen. A Redis prefix owned by another database exits 78 too; any other start-up failure exits 1
 * with the reason.
 */
export function runHttpApp(
  name: string,
  create: (config: AppConfig) => Promise<INestApplication>,
  port: (config: AppConfig) => number,
  describe: (config: AppConfig, port: number) => string,
): void {
  const start = async () => {
    let config: AppConfig;
    try {
      config = AppConfig.fromEnv();
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`greenlight ${name}: ${err.message}\n`);
        process.exit(78); // EX_CONFIG
      }
      throw err;
    }
    const app = await create(config);
    await app.listen(port(config), config.get('HOST'));
    // The port actually bound: with a configured 0 the system picks a free one.
    const bound = (app.getHttpServer().address() as { port?: number } | null)?.port ?? port(config);
    new Logger(name).log(describe(config, bound));
  };
  start().catch((err) => {
    if (err instanceof RedisPrefixConflictError) {
      // A deployment mistake, not a crash: one clear line and the configuration exit code.
      process.stderr.write(`greenlight ${name}: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    process.stderr.write(`greenlight ${name} failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
