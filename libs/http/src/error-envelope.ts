import { ErrorCode } from '@greenlight/contracts';

export interface ErrorEnvelopeBody {
  error: { code: ErrorCode | string; message: string; details: unknown };
  meta: { request_id: string };
}

/** The one shape of every error the API returns. */
export function errorEnvelope(code: ErrorCode | string, message: string, details: unknown, requestId: string): ErrorEnvelopeBody {
  return { error: { code, message, details: details ?? null }, meta: { request_id: requestId } };
}
