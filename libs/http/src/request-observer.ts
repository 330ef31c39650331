import type { NextFunction, Request, Response } from 'express';
import { requestState } from '@greenlight/tenancy';
import { AuditLogWriter } from './audit-log.writer';
import { MetricsService } from './metrics.service';
import { isApiPath, isMutating } from './request-pipeline';

/** Mutations of the API and of the operator UIs under /admin (Bull Board) are audited. */
function isAuditedPath(path: string): boolean {
  return isApiPath(path) || path === '/admin' || path.startsWith('/admin/');
}

/**
 * When a response has been sent: one audit row for each mutating `/api` or `/admin` call and one metrics
 * sample for every request. Runs after the client has its answer.
 */
export function requestObserver(audit: AuditLogWriter | null, metrics: MetricsService | null) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const originalPath = req.originalUrl.split('?')[0];
    res.on('finish', () => {
      const state = requestState(req);
      const elapsedMs = performance.now() - state.started_at;
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      metrics?.observe(req.method, route, res.statusCode, elapsedMs / 1000);
      if (audit && isAuditedPath(originalPath) && isMutating(req.method)) {
        audit.push({
          request_id: state.request_id,
          api_key_id: state.actor?.key_id ?? null,
          org_id: state.actor?.org_id ?? null,
          method: req.method,
          path: originalPath,
          status_code: res.statusCode,
          latency_ms: Math.max(0, Math.round(elapsedMs)),
          error_code: state.error_code ?? null,
        });
      }
    });
    next();
  };
}
