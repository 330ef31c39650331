import { ErrorCode } from '@greenlight/contracts';

/**
 * A failure the caller can act on: a code from the one enum, a message and optional details. It says
 * nothing of HTTP: the API's exception filter maps the code to a status and any response headers.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> | unknown[] | null = null,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static notFound(what: string, id?: string): DomainError {
    return new DomainError(ErrorCode.NOT_FOUND, `${what} not found`, id ? { id } : null);
  }

  static validation(message: string, details: Record<string, unknown> | unknown[] | null = null): DomainError {
    return new DomainError(ErrorCode.VALIDATION_ERROR, message, details);
  }
}

/**
 * The caller did not prove who it is. `challenge` is what it should present instead (the value of a
 * `WWW-Authenticate` header, e.g. `Bearer error="invalid_token"`).
 */
export class AuthenticationError extends DomainError {
  constructor(
    message: string,
    readonly challenge: string,
  ) {
    super(ErrorCode.UNAUTHORIZED, message, null);
    this.name = 'AuthenticationError';
  }
}
