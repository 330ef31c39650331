import { BackoffPolicy, DEFAULT_BACKOFF } from './backoff';

/** What a logging hook is told about a request: never the API key, never a body. */
export interface RequestInfo {
  method: string;
  /** Path and query, e.g. `/api/v1/agents?limit=50`; the base URL is not repeated. */
  path: string;
  /** 1 for the first send, 2 for the first retry, ... */
  attempt: number;
  /** The Idempotency-Key sent with a write (the same on every attempt of one call). */
  idempotencyKey: string | null;
}

export interface ResponseInfo extends RequestInfo {
  status: number;
  durationMs: number;
  /** X-Request-Id of the answer: quote it when reporting a problem. */
  requestId: string | null;
  /** The API replayed the stored answer of an earlier attempt with the same Idempotency-Key. */
  replayed: boolean;
}

export interface RetryInfo extends RequestInfo {
  /** What failed: an HTTP status (e.g. `503`) or a transport error kind (`network`, `timeout`). */
  reason: string;
  /** The wait before the next attempt. */
  delayMs: number;
}

export interface ClientHooks {
  onRequest?: (info: RequestInfo) => void;
  onResponse?: (info: ResponseInfo) => void;
  onRetry?: (info: RetryInfo) => void;
}

export interface ClientOptions {
  /** API key (`gl_...`). Default: the GREENLIGHT_API_KEY environment variable. */
  apiKey?: string;
  /** Where the API is, e.g. `https://greenlight.example.com`. Default: GREENLIGHT_API_URL, else http://localhost:3000. */
  baseUrl?: string;
  /** Per attempt. Default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number;
  backoff?: Partial<BackoffPolicy>;
  hooks?: ClientHooks;
  /** Sent as User-Agent before the SDK's own product token. */
  userAgent?: string;
  /** A fetch implementation (tests, proxies). Default: the global fetch of Node 20+. */
  fetch?: typeof fetch;
}

/** Overrides for one call. */
export interface CallOptions {
  timeoutMs?: number;
  maxRetries?: number;
  /**
   * The Idempotency-Key of a write. Default: a new random key per call, reused by its retries. Pass your
   * own to make a call safe to repeat across processes; pass `false` to send none (a write without a key
   * is then retried only on 429, which the API answers before doing anything).
   */
  idempotencyKey?: string | false;
  signal?: AbortSignal;
  /** Extra request headers (Authorization cannot be overridden here). */
  headers?: Record<string, string>;
}

export interface ResolvedConfig {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  maxRetries: number;
  backoff: BackoffPolicy;
  hooks: ClientHooks;
  userAgent: string;
  fetch: typeof fetch;
}

export const SDK_VERSION = '0.1.0';

export function resolveConfig(options: ClientOptions = {}, env: Record<string, string | undefined> = process.env): ResolvedConfig {
  const apiKey = options.apiKey ?? env.GREENLIGHT_API_KEY ?? '';
  if (!apiKey) throw new TypeError('Greenlight: no API key (pass apiKey or set GREENLIGHT_API_KEY)');
  const baseUrl = (options.baseUrl ?? env.GREENLIGHT_API_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/.test(baseUrl)) throw new TypeError(`Greenlight: baseUrl must be an http(s) URL, got "${baseUrl}"`);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRetries = options.maxRetries ?? 3;
  if (!(timeoutMs > 0)) throw new TypeError('Greenlight: timeoutMs must be positive');
  if (!(Number.isInteger(maxRetries) && maxRetries >= 0)) throw new TypeError('Greenlight: maxRetries must be an integer >= 0');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('Greenlight: no fetch available (Node 20+ has one built in)');
  const product = `greenlight-sdk-js/${SDK_VERSION}`;
  return {
    apiKey,
    baseUrl,
    timeoutMs,
    maxRetries,
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
    hooks: options.hooks ?? {},
    userAgent: options.userAgent ? `${options.userAgent} ${product}` : product,
    fetch: fetchImpl,
  };
}
