import { GreenlightApiError, GreenlightTransportError } from '@greenlight/sdk';

/** What the process exits with: a script reads 0 as "go on", 1 as "the check said no", 2 as "could not tell". */
export const ExitCode = {
  /** The command worked; a check it made passed. */
  ok: 0,
  /** The command worked and its check failed: gate regressed, promotion or launch gate blocked, run failed or cancelled. */
  failed: 1,
  /** Bad usage, or the API or the network failed: nothing was decided. */
  error: 2,
} as const;

/** A failure the CLI itself reports with a code of its own (`USAGE`, `WAIT_TIMEOUT`). */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A mistake in how the CLI was called (flags, configuration, files). */
export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** An error as the CLI reports it: the same fields on stderr and, with `--json`, on stdout. */
export interface ReportedError {
  code: string;
  message: string;
  status: number | null;
  request_id: string | null;
  details: unknown;
}

/** Every thrown thing becomes a ReportedError: API answers keep their code and request id. */
export function describeError(err: unknown): ReportedError {
  if (err instanceof GreenlightApiError) {
    return { code: err.code, message: err.apiMessage, status: err.status, request_id: err.requestId, details: err.details ?? null };
  }
  if (err instanceof GreenlightTransportError) {
    const code = err.kind === 'timeout' ? 'TIMEOUT' : err.kind === 'aborted' ? 'ABORTED' : 'NETWORK_ERROR';
    return {
      code,
      message: `${err.message} (${err.method} ${err.path}, ${err.attempts} attempt${err.attempts === 1 ? '' : 's'})`,
      status: null,
      request_id: null,
      details: null,
    };
  }
  if (err instanceof CliError) return { code: err.code, message: err.message, status: null, request_id: null, details: null };
  // The SDK rejects a bad base URL or option with a TypeError before sending anything.
  if (err instanceof TypeError && err.message.startsWith('Greenlight:')) {
    return { code: 'USAGE', message: err.message.replace(/^Greenlight:\s*/, ''), status: null, request_id: null, details: null };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message, status: null, request_id: null, details: null };
}

/** `error: CODE: message (HTTP 401, request id req_...)` */
export function errorLine(e: ReportedError): string {
  const where = [e.status !== null ? `HTTP ${e.status}` : null, e.request_id ? `request id ${e.request_id}` : null].filter(Boolean).join(', ');
  return `error: ${e.code}: ${e.message}${where ? ` (${where})` : ''}`;
}
