import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig } from '@greenlight/config';
import { configureHttpApp, createExpressAdapter, loggerFactoryOptions } from '@greenlight/http';
import { WorkerModule } from './worker.module';

/** Builds the worker app (processors + health server); e2e tests use the same function. */
export async function createWorkerApp(config: AppConfig = AppConfig.fromEnv()): Promise<INestApplication> {
  const app = await NestFactory.create(WorkerModule.forRoot(config), createExpressAdapter(), {
    bodyParser: false,
    ...loggerFactoryOptions(config, 'worker'),
  });
  configureHttpApp(app, { audit: false, swagger: false });
  return app;
}
