/** Every error the SDK throws: an answer of the API, or a request that got no answer. */
export class GreenlightError extends Error {
  override name = 'GreenlightError';
}

/** The `{ error: { code, message, details }, meta: { request_id } }` answer of the API. */
export interface ErrorEnvelope {
  error: { code: string; message: string; details: unknown };
  meta?: { request_id?: string };
}

/**
 * The API answered with an error status. `code` is the API's error code (e.g. `VALIDATION_ERROR`,
 * `RATE_LIMITED`); `requestId` is the id to quote when reporting a problem.
 */
export class GreenlightApiError extends GreenlightError {
  override name = 'GreenlightApiError';
  readonly status: number;
  readonly code: string;
  /** The API's own message; `message` adds the status, code and request id to it. */
  readonly apiMessage: string;
  readonly details: unknown;
  readonly requestId: string | null;
  /** `Retry-After` of the answer in milliseconds, when it had one (429, 503). */
  readonly retryAfterMs: number | null;
  readonly method: string;
  readonly path: string;
  /** How many times the request was sent, retries included. */
  readonly attempts: number;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    details: unknown;
    requestId: string | null;
    retryAfterMs: number | null;
    method: string;
    path: string;
    attempts: number;
  }) {
    super(`${init.status} ${init.code}: ${init.message}${init.requestId ? ` (request id ${init.requestId})` : ''}`);
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
    this.method = init.method;
    this.path = init.path;
    this.attempts = init.attempts;
    this.apiMessage = init.message;
  }
}

export type TransportErrorKind = 'timeout' | 'network' | 'aborted';

/**
 * The request got no HTTP answer: it timed out (`timeout`), the connection failed or was dropped
 * (`network`), or the caller aborted it (`aborted`).
 */
export class GreenlightTransportError extends GreenlightError {
  override name = 'GreenlightTransportError';
  readonly kind: TransportErrorKind;
  readonly method: string;
  readonly path: string;
  readonly attempts: number;

  constructor(init: { kind: TransportErrorKind; message: string; method: string; path: string; attempts: number; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.method = init.method;
    this.path = init.path;
    this.attempts = init.attempts;
  }
}

/** `evalRuns.wait` gave up: the run was still pending or running at the deadline (it goes on). */
export class GreenlightWaitTimeoutError extends GreenlightError {
  override name = 'GreenlightWaitTimeoutError';
  constructor(
    readonly runId: string,
    /** The run's status at the last poll. */
    readonly status: string,
    readonly waitedMs: number,
  ) {
    super(`Greenlight: run ${runId} is still ${status} after ${waitedMs} ms`);
  }
}

/** Reads the API's error envelope; anything else (a proxy's HTML page) becomes `HTTP_<status>`. */
export function parseErrorBody(
  status: number,
  statusText: string,
  body: unknown,
): { code: string; message: string; details: unknown; requestId: string | null } {
  const envelope = body as Partial<ErrorEnvelope> | null;
  const error = envelope && typeof envelope === 'object' ? envelope.error : undefined;
  if (error && typeof error === 'object' && typeof error.code === 'string') {
    return {
      code: error.code,
      message: typeof error.message === 'string' ? error.message : statusText,
      details: error.details ?? null,
      requestId: typeof envelope?.meta?.request_id === 'string' ? envelope.meta.request_id : null,
    };
  }
  return { code: `HTTP_${status}`, message: statusText || `HTTP ${status}`, details: null, requestId: null };
}
