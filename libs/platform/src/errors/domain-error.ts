import { ERROR_HTTP_STATUS, ErrorCode } from '@greenlight/contracts';

/** A failure the caller can act on: a code from the one enum, a message and optional details. */
export class DomainError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> | unknown[] | null = null,
    status?: number,
    /** Extra response headers, e.g. Retry-After on RATE_LIMITED. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DomainError';
    this.status = status ?? ERROR_HTTP_STATUS[code];
  }

  static notFound(what: string, id?: string): DomainError {
    return new DomainError(ErrorCode.NOT_FOUND, `${what} not found`, id ? { id } : null);
  }

  static validation(message: string, details: Record<string, unknown> | unknown[] | null = null): DomainError {
    return new DomainError(ErrorCode.VALIDATION_ERROR, message, details);
  }
}
