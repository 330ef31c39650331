import { CanActivate, INestApplication, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import { AppConfig } from '@greenlight/config';
import { AuditLogWriter } from './audit-log.writer';
import { EnvelopeInterceptor } from './envelope.interceptor';
import { ApiExceptionFilter } from './exception.filter';
import { MetricsService } from './metrics.service';
import { requestLogging } from './logging';
import { mountSwagger } from './openapi';
import { requestObserver } from './request-observer';
import { bodyParserErrorHandler, jsonContentTypeMiddleware, jsonDepthGuard, requestStateMiddleware } from './request-pipeline';
import { applySecurityHeaders } from './security-headers';
import { ApiValidationPipe } from './validation';

/**
 * The Express adapter both apps are created with. Routing is case-sensitive so that `/API/V1/...`
 * cannot reach a handler while skipping every `/api` hook (version headers, audit); Express reads
 * the setting once, when its router is first built, so it is set before Nest touches the app.
 */
export function createExpressAdapter(): ExpressAdapter {
  const server = express();
  server.set('case sensitive routing', true);
  return new ExpressAdapter(server);
}

export interface HttpAppOptions {
  /** Write api_audit_logs rows for mutating /api calls. */
  audit: boolean;
  /** Serve Swagger UI at /docs (also needs SWAGGER_ENABLED). */
  swagger: boolean;
  /** Global guards, e.g. the API-key guard of the api app. */
  guards?: CanActivate[];
  /** Interceptors inside the envelope, e.g. idempotency. */
  interceptors?: NestInterceptor[];
  /** Canonical paths that also accept multipart/form-data (file uploads). */
  multipartPaths?: string[];
  /** Canonical paths whose JSON bodies may be larger than API_BODY_LIMIT_BYTES (e.g. base64 files). */
  largeBody?: { paths: string[]; limit_bytes: number };
}

/**
 * The request pipeline of both apps, in order: request id and versioning, request logging (JSON logs),
 * observation (metrics, audit), security headers and CORS, JSON body parsing with a size cap, then Nest's guards, pipes,
 * interceptors and one filter.
 * The app must be created with `bodyParser: false`.
 */
export function configureHttpApp(app: INestApplication, options: HttpAppOptions): void {
  const config = app.get(AppConfig);
  const expressApp = app as NestExpressApplication;
  expressApp.disable('x-powered-by');
  app.use(requestStateMiddleware);
  // JSON logs: each request's closing line, and its request id on every line logged inside it.
  for (const middleware of requestLogging(app)) app.use(middleware);
  app.use(requestObserver(options.audit ? app.get(AuditLogWriter) : null, app.get(MetricsService)));
  applySecurityHeaders(app);
  app.use(jsonContentTypeMiddleware(options.multipartPaths));
  const jsonTypes = ['application/json', 'application/*+json'];
  const jsonParser = express.json({ limit: config.get('API_BODY_LIMIT_BYTES'), type: jsonTypes });
  const large = options.largeBody;
  if (large) {
    const largeParser = express.json({ limit: Math.max(large.limit_bytes, config.get('API_BODY_LIMIT_BYTES')), type: jsonTypes });
    const paths = new Set(large.paths);
    app.use((req: express.Request, res: express.Response, next: express.NextFunction) => (paths.has(req.path) ? largeParser : jsonParser)(req, res, next));
  } else {
    app.use(jsonParser);
  }
  app.use(jsonDepthGuard);
  app.use(bodyParserErrorHandler);
  app.useGlobalFilters(new ApiExceptionFilter());
  app.useGlobalPipes(new ApiValidationPipe());
  if (options.guards?.length) app.useGlobalGuards(...options.guards);
  app.useGlobalInterceptors(new EnvelopeInterceptor(app.get(Reflector)), ...(options.interceptors ?? []));
  app.enableShutdownHooks();
  if (options.swagger && config.get('SWAGGER_ENABLED')) mountSwagger(app);
}
