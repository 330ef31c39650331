import type { OpenAPIObject } from '@nestjs/swagger';
import { ErrorCode } from '@greenlight/contracts';
import { codesNamedIn, ERROR_ENVELOPE_REF } from './openapi-errors';

/** The operations of a path item, and those of them that write. */
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;
export const MUTATING_METHODS = new Set<string>(['post', 'put', 'patch', 'delete']);

type Header = { description: string; schema: { type: string } };
type ResponseLike = {
  description?: string;
  headers?: Record<string, Header>;
  content?: Record<string, { schema?: { $ref?: string } }>;
};
type OperationLike = { responses?: Record<string, ResponseLike>; requestBody?: { content?: Record<string, unknown> } };

/** An error answer every operation of a kind can give: its status, code and what it means. */
interface SharedError {
  status: number;
  code: ErrorCode;
  text: string;
  headers?: Record<string, Header>;
  /**
   * A cause of its own: added even where the operation documents the same code for another reason
   * (503 for a missing signing key is also 503 for an unreachable Postgres). Otherwise the operation's
   * own description of the code stands (it knows its own body limit, say).
   */
  independent?: boolean;
}

const RETRY_AFTER: Record<string, Header> = {
  'Retry-After': { description: 'Seconds to wait before retrying, when a dependency is unreachable', schema: { type: 'integer' } },
};

/** Every /api operation reads Postgres (its caller's API key, its data); queue work also needs Redis. */
const UNAVAILABLE: SharedError = {
  status: 503,
  code: ErrorCode.SERVICE_UNAVAILABLE,
  text: 'a store the operation needs (Postgres, or Redis for queue work) cannot be reached right now (details.dependency names it); retry after Retry-After seconds',
  headers: RETRY_AFTER,
  independent: true,
};

/** What every write of the API can answer before its handler runs: body checks and Idempotency-Key. */
function writeErrors(takesMultipart: boolean): SharedError[] {
  return [
    {
      status: 413,
      code: ErrorCode.PAYLOAD_TOO_LARGE,
      text: 'the request body is larger than the server accepts (API_BODY_LIMIT_BYTES; details.limit_bytes)',
    },
    {
      status: 415,
      code: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      text: `the request body is not application/json${takesMultipart ? ' or multipart/form-data' : ''}, or its charset or encoding is not supported`,
    },
    { status: 409, code: ErrorCode.IDEMPOTENCY_IN_PROGRESS, text: 'a request with the same Idempotency-Key is still running' },
    { status: 422, code: ErrorCode.IDEMPOTENCY_KEY_REUSED, text: 'the Idempotency-Key was already used with a different request' },
  ];
}

/**
 * Adds `error` to the operation's responses: a new error-envelope response, or one more sentence on
 * the response the operation already documents for that status (unless it names the code already and
 * the error is not `independent`).
 */
function addError(op: OperationLike, error: SharedError): void {
  const responses = (op.responses ??= {});
  const key = String(error.status);
  const sentence = `${error.code}: ${error.text}`;
  const existing = responses[key];
  if (!existing) {
    responses[key] = { description: sentence, content: { 'application/json': { schema: { $ref: ERROR_ENVELOPE_REF } } } };
  } else if (error.independent ? !existing.description?.includes(sentence) : !codesNamedIn(existing.description).includes(error.code)) {
    existing.description = existing.description ? `${existing.description}; ${sentence}` : sentence;
  }
  if (error.headers) responses[key].headers = { ...error.headers, ...(responses[key].headers ?? {}) };
}

/** Responses in status order (`default` last), so a response added afterwards reads where it belongs. */
function sortResponses(op: OperationLike): void {
  if (!op.responses) return;
  const rank = (status: string) => (/^\d+$/.test(status) ? Number(status) : /^\dXX$/.test(status) ? Number(status[0]) * 100 + 99 : 1000);
  op.responses = Object.fromEntries(Object.entries(op.responses).sort(([a], [b]) => rank(a) - rank(b)));
}

/**
 * Documents the error answers that do not depend on the operation, on every operation that can give
 * them: 503 SERVICE_UNAVAILABLE on every /api operation (an unreachable Postgres or Redis), and on
 * every /api write 413 PAYLOAD_TOO_LARGE, 415 UNSUPPORTED_MEDIA_TYPE, 409 IDEMPOTENCY_IN_PROGRESS and
 * 422 IDEMPOTENCY_KEY_REUSED. Operations keep their own descriptions of the same status; the shared
 * code is added to them.
 */
export function documentSharedErrors(doc: OpenAPIObject): void {
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/')) continue;
    for (const method of HTTP_METHODS) {
      const op = (item as Record<string, OperationLike | undefined>)[method];
      if (!op) continue;
      addError(op, UNAVAILABLE);
      if (MUTATING_METHODS.has(method)) {
        const takesMultipart = Object.keys(op.requestBody?.content ?? {}).includes('multipart/form-data');
        for (const error of writeErrors(takesMultipart)) addError(op, error);
      }
      sortResponses(op);
    }
  }
}
