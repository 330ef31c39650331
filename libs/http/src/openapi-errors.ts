import type { OpenAPIObject } from '@nestjs/swagger';
import { ERROR_HTTP_STATUS, ErrorCode } from '@greenlight/contracts';

/** The code the exception filter answers with for a status when no domain error names one. */
const GENERIC_CODE: Record<number, ErrorCode> = {
  400: ErrorCode.VALIDATION_ERROR,
  401: ErrorCode.UNAUTHORIZED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  405: ErrorCode.METHOD_NOT_ALLOWED,
  409: ErrorCode.CONFLICT,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  429: ErrorCode.RATE_LIMITED,
  500: ErrorCode.INTERNAL_ERROR,
  503: ErrorCode.SERVICE_UNAVAILABLE,
};

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));
const EXAMPLE_REQUEST_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
/** Where every documented error answer points: the `{ error, meta }` envelope. */
export const ERROR_ENVELOPE_REF = '#/components/schemas/ErrorEnvelope';

/** What an example shows for codes whose answers look alike everywhere. */
const TYPICAL: Partial<Record<ErrorCode, { message: string; details: unknown }>> = {
  [ErrorCode.VALIDATION_ERROR]: {
    message: 'request validation failed: name: must be a string',
    details: [{ field: 'name', messages: ['must be a string'] }],
  },
  [ErrorCode.UNAUTHORIZED]: { message: 'missing or invalid API key', details: null },
  [ErrorCode.FORBIDDEN]: { message: 'this operation requires the member role', details: null },
  [ErrorCode.NOT_FOUND]: { message: 'agent not found', details: null },
  [ErrorCode.RATE_LIMITED]: { message: 'rate limit exceeded; retry after 12 s', details: { retry_after_seconds: 12 } },
  [ErrorCode.INTERNAL_ERROR]: { message: 'internal error', details: null },
  [ErrorCode.IDEMPOTENCY_KEY_REUSED]: { message: 'Idempotency-Key was already used with a different request', details: { idempotency_key: 'create-agent-42' } },
  [ErrorCode.IDEMPOTENCY_IN_PROGRESS]: { message: 'a request with this Idempotency-Key is still in progress', details: { idempotency_key: 'create-agent-42' } },
};

export interface ErrorExampleProblem {
  where: string;
  problem: string;
}

/** Error codes a response description names (`UNAUTHORIZED: ...`, `409 ... RUN_REGISTRY_PROMOTION_BLOCKED ...`). */
export function codesNamedIn(description: string | undefined): ErrorCode[] {
  const names = (description ?? '').match(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b|\b(?:UNAUTHORIZED|FORBIDDEN|CONFLICT)\b/g) ?? [];
  return [...new Set(names.filter((n) => KNOWN_CODES.has(n)))] as ErrorCode[];
}

function exampleFor(code: ErrorCode, description: string | undefined): { message: string; details: unknown } {
  const typical = TYPICAL[code];
  if (typical) return typical;
  // "CODE: what happened" descriptions carry the message a client sees.
  const after = new RegExp(`${code}\\s*[:,-]\\s*([^;.]+)`).exec(description ?? '')?.[1]?.trim();
  return { message: after || code.toLowerCase().replace(/_/g, ' '), details: null };
}

type ResponseLike = { description?: string; content?: Record<string, { schema?: { $ref?: string }; example?: unknown; examples?: Record<string, unknown> }> };

/** The name of the shared example of an error code in `components.examples`. */
export function errorExampleName(code: ErrorCode): string {
  return `Error_${code}`;
}

/**
 * Gives each error response examples whose `error.code` belongs to that status: the codes its
 * description names (each must answer with that status), otherwise the generic code of the status.
 * Each code's example is defined once under `components.examples` and referenced. Returns the responses
 * where that cannot be done honestly (a named code answering another status, a status without a
 * generic code) so a check can report them instead of the document hiding them.
 */
export function documentErrorExamples(doc: OpenAPIObject): ErrorExampleProblem[] {
  const problems: ErrorExampleProblem[] = [];
  const shared: Record<string, { summary: string; value: unknown }> = {};
  // Sorted, so the description an example's message comes from does not depend on module order.
  for (const path of Object.keys(doc.paths).sort()) {
    const item = doc.paths[path] as Record<string, { responses?: Record<string, ResponseLike> }>;
    for (const [method, op] of Object.entries(item)) {
      for (const [status, response] of Object.entries(op?.responses ?? {})) {
        const media = response.content?.['application/json'];
        const numeric = Number(status);
        if (!media || media.schema?.$ref !== ERROR_ENVELOPE_REF || !(numeric >= 400)) continue;
        const where = `${method.toUpperCase()} ${path} ${status}`;
        const named = codesNamedIn(response.description);
        for (const code of named.filter((c) => ERROR_HTTP_STATUS[c] !== numeric)) {
          problems.push({ where, problem: `names ${code}, which answers ${ERROR_HTTP_STATUS[code]}` });
        }
        let codes = named.filter((c) => ERROR_HTTP_STATUS[c] === numeric);
        if (!codes.length && GENERIC_CODE[numeric]) codes = [GENERIC_CODE[numeric]];
        if (!codes.length) {
          problems.push({ where, problem: 'names no error code of this status' });
          continue;
        }
        for (const code of codes) {
          const name = errorExampleName(code);
          if (shared[name]) continue;
          const { message, details } = exampleFor(code, response.description);
          shared[name] = {
            summary: `${ERROR_HTTP_STATUS[code]} ${code}`,
            value: { error: { code, message, details }, meta: { request_id: EXAMPLE_REQUEST_ID } },
          };
        }
        media.examples = Object.fromEntries(codes.map((code) => [code, { $ref: `#/components/examples/${errorExampleName(code)}` }]));
        delete media.example;
      }
    }
  }
  doc.components ??= {};
  doc.components.examples = { ...(doc.components.examples ?? {}), ...shared };
  return problems;
}
