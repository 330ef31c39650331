import { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { AppConfig } from '@greenlight/config';

/** Request headers a browser client may send cross-origin. */
const CORS_REQUEST_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'];

/** Response headers a browser client may read cross-origin. */
const CORS_EXPOSED_HEADERS = [
  'X-Request-Id',
  'X-API-Version',
  'Deprecation',
  'Link',
  'Retry-After',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'Idempotency-Replayed',
];

/**
 * Response headers every route gets:
 * - helmet's defaults: `X-Content-Type-Options: nosniff`, frame and referrer policies, and a
 *   Content-Security-Policy that only lets pages load their own scripts. Swagger UI (/docs) and Bull
 *   Board (/admin/queues) load theirs from their own paths, so they work under it. Two defaults are
 *   left out: `upgrade-insecure-requests` (the apps are also served over plain http, on a laptop or
 *   behind a TLS-terminating proxy, where it would break those pages) and HSTS (the TLS terminator
 *   owns that decision for its whole domain).
 * - `Cache-Control: no-store`: answers carry tenant data and keys; no shared cache keeps them.
 *   Static assets of the two UIs set their own caching on top.
 * - CORS only for the origins in CORS_ORIGINS; none configured, no CORS header is ever sent, so
 *   browsers refuse cross-origin calls. Keys travel in a header, never in cookies: no credentials mode.
 */
export function applySecurityHeaders(app: INestApplication): void {
  const config = app.get(AppConfig);
  const origins = config.get('CORS_ORIGINS');
  if (origins.length > 0) {
    app.enableCors({
      origin: origins.includes('*') ? '*' : origins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: CORS_REQUEST_HEADERS,
      exposedHeaders: CORS_EXPOSED_HEADERS,
      credentials: false,
      maxAge: 600,
    });
  }
  app.use(
    helmet({
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
      strictTransportSecurity: false,
    }),
  );
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
}
