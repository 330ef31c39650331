import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiKeyGuard } from '@greenlight/auth';
import { AppConfig } from '@greenlight/config';
import { OpenAPIObject } from '@nestjs/swagger';
import {
  buildOpenApiDocumentWithProblems,
  configureHttpApp,
  createExpressAdapter,
  ErrorExampleProblem,
  IdempotencyInterceptor,
  loggerFactoryOptions,
} from '@greenlight/http';
import { AppModule } from './app.module';
import { mountQueueBoard } from './queue-board';
import { GOLDEN_SET_MULTIPART_PATHS, GOLDEN_SET_UPLOAD_PATHS } from './golden-sets/golden-sets.controller';

/** Calibration runs carry up to 10,000 human labels: more than the default body limit. */
const CALIBRATION_LABEL_PATHS = '/api/v1/calibration/runs';

/** Builds the api app exactly as production runs it; e2e tests use the same function. */
export async function createApiApp(config: AppConfig = AppConfig.fromEnv()): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), createExpressAdapter(), {
    bodyParser: false,
    ...loggerFactoryOptions(config, 'api'),
  });
  configureHttpApp(app, {
    audit: true,
    swagger: true,
    guards: [app.get(ApiKeyGuard)],
    interceptors: [app.get(IdempotencyInterceptor)],
    multipartPaths: GOLDEN_SET_MULTIPART_PATHS,
    // base64 inflates a file by 4/3; leave room for the other fields
    largeBody: {
      paths: [...GOLDEN_SET_UPLOAD_PATHS, CALIBRATION_LABEL_PATHS],
      limit_bytes: Math.ceil((config.get('GOLDEN_SET_MAX_FILE_BYTES') * 4) / 3) + 64 * 1024,
    },
  });
  mountQueueBoard(app);
  return app;
}

/**
 * The api's OpenAPI document, built from the same module graph without connecting to anything: the
 * app is created in preview mode (controllers and their metadata, no provider instances), so
 * `npm run openapi:write` needs no database or Redis. It equals what /docs-json serves.
 */
export async function buildApiOpenApiDocument(
  config: AppConfig = AppConfig.fromEnv({}),
): Promise<{ document: OpenAPIObject; problems: ErrorExampleProblem[] }> {
  const app = await NestFactory.create(AppModule.forRoot(config), createExpressAdapter(), { bodyParser: false, preview: true, logger: false });
  try {
    return buildOpenApiDocumentWithProblems(app);
  } finally {
    await app.close();
  }
}
