import type { Actor } from './actor';

/**
 * Per-request state: the request id, the authenticated actor and what the error filter decided.
 * It lives on the request object, set by the first middleware, so everything that sees the request
 * (guard, interceptors, filter, audit and metrics hooks) reads the same context.
 */
export interface RequestState {
  request_id: string;
  started_at: number;
  actor?: Actor;
  /** Set by the error filter so the audit log can record the code without parsing the body. */
  error_code?: string;
  /** True when the client used a legacy `/api/...` route instead of `/api/v1/...`. */
  legacy_route?: boolean;
}

const STATE = Symbol.for('greenlight.request-state');

type WithState = { [STATE]?: RequestState };

export function attachRequestState(req: object, state: RequestState): RequestState {
  (req as WithState)[STATE] = state;
  return state;
}

/** The request's state; requests that bypassed the first middleware get a fresh one. */
export function requestState(req: object): RequestState {
  const existing = (req as WithState)[STATE];
  if (existing) return existing;
  return attachRequestState(req, { request_id: 'unknown', started_at: Date.now() });
}
