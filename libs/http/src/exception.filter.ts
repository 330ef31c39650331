import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { ERROR_HTTP_STATUS, ErrorCode } from '@greenlight/contracts';
import { isDatabaseUnavailable } from '@greenlight/database';
import { AuthenticationError, DomainError } from '@greenlight/platform';
import { isRedisUnavailable } from '@greenlight/queue';
import { requestState } from '@greenlight/tenancy';
import { errorEnvelope } from './error-envelope';

const STATUS_CODES: Record<number, ErrorCode> = {
  400: ErrorCode.VALIDATION_ERROR,
  401: ErrorCode.UNAUTHORIZED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  405: ErrorCode.METHOD_NOT_ALLOWED,
  409: ErrorCode.CONFLICT,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  422: ErrorCode.VALIDATION_ERROR,
  429: ErrorCode.RATE_LIMITED,
  503: ErrorCode.SERVICE_UNAVAILABLE,
};

/** How long clients are asked to wait when the database or Redis is unreachable. */
const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/** Maps every error to the envelope in one place. Unknown failures answer INTERNAL_ERROR without internals. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const state = requestState(req);
    const { status, code, message, details, headers } = this.describe(exception, req);
    if (status >= 500 && (exception instanceof DomainError || code === ErrorCode.SERVICE_UNAVAILABLE)) {
      // A failure the product knows (agent or judge provider down, dependency unavailable): its code and
      // message say it all, a stack would only look like a crash.
      this.logger.warn(`request ${state.request_id} ${req.method} ${req.originalUrl} answered ${status} ${code}: ${message}`);
    } else if (status >= 500) {
      this.logger.error(`request ${state.request_id} ${req.method} ${req.originalUrl} failed: ${(exception as Error)?.stack ?? String(exception)}`);
    }
    state.error_code = code;
    if (res.headersSent) return;
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.status(status).json(errorEnvelope(code, message, details, state.request_id));
  }

  private describe(exception: unknown, req: Request) {
    if (exception instanceof DomainError) {
      return {
        status: ERROR_HTTP_STATUS[exception.code],
        code: exception.code,
        message: exception.message,
        details: exception.details,
        headers: responseHeaders(exception),
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = STATUS_CODES[status] ?? (status >= 500 ? ErrorCode.INTERNAL_ERROR : ErrorCode.VALIDATION_ERROR);
      if (status === HttpStatus.NOT_FOUND) {
        return { status, code, message: `no route for ${req.method} ${req.path}`, details: null, headers: {} };
      }
      const message = status >= 500 ? 'internal error' : extractMessage(exception);
      return { status, code, message, details: null, headers: {} };
    }
    const dependency = isDatabaseUnavailable(exception) ? 'postgres' : isRedisUnavailable(exception) ? 'redis' : null;
    if (dependency) {
      // Our outage, not the request's fault: a retry after a short wait may well succeed.
      const what = dependency === 'postgres' ? 'the database' : 'the queue store (Redis)';
      return {
        status: 503,
        code: ErrorCode.SERVICE_UNAVAILABLE,
        message: `${what} is unavailable; retry in a few seconds`,
        details: { dependency },
        headers: { 'Retry-After': String(DEPENDENCY_RETRY_AFTER_SECONDS) },
      };
    }
    if (exception instanceof QueryFailedError && isPgDataException(exception)) {
      // Input Postgres cannot store (bad encoding, out-of-range number): the client's fault, not ours.
      return {
        status: 400,
        code: ErrorCode.VALIDATION_ERROR,
        message: 'a value in the request cannot be stored',
        details: null,
        headers: {},
      };
    }
    return {
      status: ERROR_HTTP_STATUS[ErrorCode.INTERNAL_ERROR],
      code: ErrorCode.INTERNAL_ERROR,
      message: 'internal error; quote the request id when reporting it',
      details: null,
      headers: {},
    };
  }
}

/**
 * Headers an error's code calls for: the authentication challenge on 401, and on a limit that resets
 * later, `Retry-After` with the seconds its details name.
 */
function responseHeaders(e: DomainError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (e instanceof AuthenticationError) headers['WWW-Authenticate'] = e.challenge;
  const retryAfter = e.details && !Array.isArray(e.details) ? e.details.retry_after_seconds : undefined;
  if (ERROR_HTTP_STATUS[e.code] === 429 && typeof retryAfter === 'number') headers['Retry-After'] = String(retryAfter);
  return headers;
}

/**
 * SQLSTATE class 22 (invalid encoding, value out of range, string too long...) and CHECK violations
 * (23514): a value the request carried that the schema refuses.
 */
function isPgDataException(e: QueryFailedError): boolean {
  const code = (e as QueryFailedError & { driverError?: { code?: string } }).driverError?.code;
  return typeof code === 'string' && (code.startsWith('22') || code === '23514');
}

function extractMessage(e: HttpException): string {
  const body = e.getResponse();
  if (typeof body === 'string') return body;
  const m = (body as { message?: unknown }).message;
  if (Array.isArray(m)) return m.join('; ');
  return typeof m === 'string' ? m : e.message;
}
