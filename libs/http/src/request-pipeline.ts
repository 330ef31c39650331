import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ErrorCode } from '@greenlight/contracts';
import { attachRequestState, requestState } from '@greenlight/tenancy';
import { errorEnvelope } from './error-envelope';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}

export function isMutating(method: string): boolean {
  return MUTATING.has(method.toUpperCase());
}

/**
 * First middleware of both apps: request id (client value honoured when sane, else a UUID), API
 * version headers, and the legacy `/api/...` → `/api/v1/...` rewrite so both answer from one handler.
 */
export function requestStateMiddleware(req: Request, res: Response, next: NextFunction): void {
  const given = req.header('x-request-id');
  const requestId = given && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
  const state = attachRequestState(req, { request_id: requestId, started_at: performance.now() });
  res.setHeader('X-Request-Id', requestId);

  const path = req.path;
  if (isApiPath(path)) {
    res.setHeader('X-API-Version', 'v1');
    const canonical = path === '/api/v1' || path.startsWith('/api/v1/');
    if (!canonical) {
      state.legacy_route = true;
      res.setHeader('Deprecation', 'true');
      const successor = `/api/v1${path.slice('/api'.length)}`;
      res.setHeader('Link', `<${successor}>; rel="successor-version"`);
      req.url = `/api/v1${req.url.slice('/api'.length)}`;
    }
  }
  next();
}

/**
 * Mutating API calls that carry a body must send JSON (or multipart on the routes that take files);
 * anything else would reach the handler as an empty body and fail validation with a confusing message.
 */
export function jsonContentTypeMiddleware(multipartPaths: string[] = []) {
  const multipart = new Set(multipartPaths);
  return (req: Request, res: Response, next: NextFunction): void => {
    const hasBody = Number(req.header('content-length') ?? 0) > 0 || req.header('transfer-encoding') !== undefined;
    if (!isApiPath(req.path) || !isMutating(req.method) || !hasBody) return next();
    if (req.is(['application/json', 'application/*+json'])) return next();
    if (multipart.has(req.path) && req.is('multipart/form-data')) return next();
    sendError(
      req,
      res,
      415,
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      `request body must be application/json${multipart.has(req.path) ? ' or multipart/form-data' : ''}`,
      {
        content_type: req.header('content-type') ?? null,
      },
    );
  };
}

export const MAX_JSON_DEPTH = 64;

/** Nesting depth of a parsed JSON value, measured without recursion (a hostile body cannot blow the stack). */
export function jsonDepth(value: unknown, limit = Infinity): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const child of Object.values(v as object)) stack.push([child, depth + 1]);
  }
  return max;
}

/** Refuses JSON nested deeper than MAX_JSON_DEPTH before any recursive code (validation, hashing) sees it. */
export function jsonDepthGuard(req: Request, res: Response, next: NextFunction): void {
  if (req.body !== undefined && jsonDepth(req.body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    sendError(req, res, 400, ErrorCode.VALIDATION_ERROR, `request body is nested deeper than ${MAX_JSON_DEPTH} levels`, [
      { field: 'body', messages: [`must not be nested deeper than ${MAX_JSON_DEPTH} levels`] },
    ]);
    return;
  }
  next();
}

/** Turns body-parser failures (bad JSON, too large, bad charset) into the error envelope, never a 500. */
export function bodyParserErrorHandler(err: unknown, req: Request, res: Response, next: NextFunction): void {
  const e = err as { type?: string; status?: number; statusCode?: number; limit?: number; message?: string };
  const status = e?.status ?? e?.statusCode;
  if (!e || typeof e !== 'object' || (!e.type && !(status && status >= 400 && status < 500))) {
    next(err);
    return;
  }
  switch (e.type) {
    case 'entity.parse.failed':
      sendError(req, res, 400, ErrorCode.VALIDATION_ERROR, 'request body is not valid JSON', [{ field: 'body', messages: ['must be valid JSON'] }]);
      return;
    case 'entity.too.large':
      sendError(req, res, 413, ErrorCode.PAYLOAD_TOO_LARGE, `request body exceeds ${e.limit} bytes`, { limit_bytes: e.limit });
      return;
    case 'charset.unsupported':
    case 'encoding.unsupported':
      sendError(req, res, 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, e.message ?? 'unsupported body encoding', null);
      return;
    default:
      // e.g. a corrupt gzip body: the client sent something unreadable
      sendError(req, res, 400, ErrorCode.VALIDATION_ERROR, 'request body could not be read', [{ field: 'body', messages: ['could not be decoded'] }]);
  }
}

function sendError(req: Request, res: Response, status: number, code: ErrorCode, message: string, details: unknown): void {
  const state = requestState(req);
  state.error_code = code;
  res.status(status).json(errorEnvelope(code, message, details, state.request_id));
}
