import { randomUUID } from 'node:crypto';
import { fullJitterDelay, parseRetryAfter, sleep } from './backoff';
import { CallOptions, ClientHooks, RequestInfo, ResolvedConfig } from './config';
import { GreenlightApiError, GreenlightTransportError, parseErrorBody, TransportErrorKind } from './errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type QueryValue = string | number | boolean | null | undefined | readonly (string | number | boolean)[];

export interface HttpRequest {
  method: HttpMethod;
  /** A path template such as `/api/v1/agents/{agent_id}`. */
  path: string;
  pathParams?: Record<string, string | number>;
  query?: Record<string, QueryValue>;
  body?: unknown;
}

export interface HttpResult<T> {
  status: number;
  /** The whole JSON answer (for the API: `{ data, meta }`). */
  body: T;
  requestId: string | null;
  replayed: boolean;
}

const WRITES = new Set<HttpMethod>(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Statuses worth another attempt: rate limited, and the server side failing or overloaded. */
const RETRYABLE_STATUS = (status: number) => status === 429 || status >= 500;
/** A duplicate of a write whose first attempt is still running on the server: wait and ask again. */
const IN_PROGRESS = 'IDEMPOTENCY_IN_PROGRESS';

export function buildPath(req: Pick<HttpRequest, 'path' | 'pathParams' | 'query'>): string {
  const path = req.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = req.pathParams?.[name];
    if (value === undefined || value === null || value === '') throw new TypeError(`Greenlight: missing path parameter ${name} for ${req.path}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(req.query ?? {})) {
    if (value === undefined || value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, String(v));
  }
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

function safely<K extends keyof ClientHooks>(hooks: ClientHooks, name: K, info: Parameters<NonNullable<ClientHooks[K]>>[0]): void {
  try {
    (hooks[name] as ((i: typeof info) => void) | undefined)?.(info);
  } catch {
    // A logging hook never changes the outcome of a request.
  }
}

function transportKind(err: unknown, timedOut: boolean, callerAborted: boolean): TransportErrorKind {
  if (callerAborted) return 'aborted';
  if (timedOut) return 'timeout';
  return (err as Error)?.name === 'AbortError' ? 'aborted' : 'network';
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Sends one call, with retries: 429 (after Retry-After when given), 5xx, dropped connections and
 * timeouts are retried up to `maxRetries` times with exponential backoff and full jitter. A write
 * carries one Idempotency-Key on every attempt, so a retry of a write the server already did replays
 * its answer instead of doing it twice. The last error is thrown when the retries run out.
 */
export async function send<T>(config: ResolvedConfig, req: HttpRequest, call: CallOptions = {}): Promise<HttpResult<T>> {
  const pathAndQuery = buildPath(req);
  const isWrite = WRITES.has(req.method);
  const idempotencyKey = isWrite && call.idempotencyKey !== false ? (call.idempotencyKey ?? `sdk-${randomUUID()}`) : null;
  const maxRetries = call.maxRetries ?? config.maxRetries;
  const timeoutMs = call.timeoutMs ?? config.timeoutMs;
  const headers: Record<string, string> = {
    ...call.headers,
    Accept: 'application/json',
    'User-Agent': config.userAgent,
    Authorization: `Bearer ${config.apiKey}`,
  };
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  if (payload !== undefined) headers['Content-Type'] = 'application/json';

  for (let attempt = 1; ; attempt++) {
    const info: RequestInfo = { method: req.method, path: pathAndQuery, attempt, idempotencyKey };
    const retriesLeft = attempt <= maxRetries;
    safely(config.hooks, 'onRequest', info);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onCallerAbort = () => controller.abort();
    call.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const started = Date.now();
    let res: Response;
    let body: unknown;
    try {
      if (call.signal?.aborted) throw call.signal.reason;
      res = await config.fetch(`${config.baseUrl}${pathAndQuery}`, { method: req.method, headers, body: payload, signal: controller.signal });
      body = await readJson(res); // still under the timeout: a body that stalls counts as a timeout
    } catch (err) {
      const kind = transportKind(err, timedOut, call.signal?.aborted === true);
      const error = new GreenlightTransportError({
        kind,
        message:
          kind === 'timeout'
            ? `${req.method} ${pathAndQuery}: no answer within ${timeoutMs} ms`
            : `${req.method} ${pathAndQuery}: ${kind === 'aborted' ? 'aborted' : describeNetworkError(err)}`,
        method: req.method,
        path: pathAndQuery,
        attempts: attempt,
        cause: err,
      });
      // A write without an Idempotency-Key may have been done before the connection failed: not retried.
      if (kind === 'aborted' || !retriesLeft || (isWrite && !idempotencyKey)) throw error;
      await wait(config, call, { ...info, reason: kind, delayMs: fullJitterDelay(attempt, config.backoff) });
      continue;
    } finally {
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', onCallerAbort);
    }

    const requestId = res.headers.get('x-request-id');
    const replayed = res.headers.get('idempotency-replayed') === 'true';
    safely(config.hooks, 'onResponse', { ...info, status: res.status, durationMs: Date.now() - started, requestId, replayed });
    if (res.ok) return { status: res.status, body: body as T, requestId, replayed };

    const parsed = parseErrorBody(res.status, res.statusText, body);
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
    const error = new GreenlightApiError({
      status: res.status,
      code: parsed.code,
      message: parsed.message,
      details: parsed.details,
      requestId: parsed.requestId ?? requestId,
      retryAfterMs,
      method: req.method,
      path: pathAndQuery,
      attempts: attempt,
    });
    const retryable = res.status === 429 || parsed.code === IN_PROGRESS || (RETRYABLE_STATUS(res.status) && (!isWrite || idempotencyKey !== null));
    if (!retryable || !retriesLeft) throw error;
    if (retryAfterMs !== null && retryAfterMs > config.backoff.maxRetryAfterMs) throw error;
    const delayMs = retryAfterMs ?? fullJitterDelay(attempt, config.backoff);
    await wait(config, call, { ...info, reason: String(res.status), delayMs });
  }
}

async function wait(config: ResolvedConfig, call: CallOptions, info: RequestInfo & { reason: string; delayMs: number }): Promise<void> {
  safely(config.hooks, 'onRetry', info);
  try {
    await sleep(info.delayMs, call.signal);
  } catch (err) {
    throw new GreenlightTransportError({
      kind: 'aborted',
      message: `${info.method} ${info.path}: aborted`,
      method: info.method,
      path: info.path,
      attempts: info.attempt,
      cause: err,
    });
  }
}

function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ? `${cause.code} ${cause.message ?? ''}`.trim() : ((err as Error)?.message ?? String(err));
}
