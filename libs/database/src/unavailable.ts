/**
 * Whether an error means "the database cannot be reached right now" (server down or restarting,
 * connection refused or cut, no connection within the pool's timeout) rather than "this query is
 * wrong". Callers answer the first with 503 and a retry hint, or wait and retry, and never blame
 * the request or an evaluated agent for it.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/** SQLSTATEs of a server that is going away, starting up or out of connection slots. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);

const UNAVAILABLE_MESSAGES = [
  'connection terminated',
  'timeout exceeded when trying to connect',
  'client has encountered a connection error',
  'connection is not open',
  'cannot use a pool after calling end',
];

export function isDatabaseUnavailable(error: unknown): boolean {
  let e: unknown = error;
  // TypeORM wraps the driver's error (driverError); Node wraps causes (cause).
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08'))) return true;
    if (typeof message === 'string') {
      const m = message.toLowerCase();
      if (UNAVAILABLE_MESSAGES.some((s) => m.includes(s))) return true;
    }
    const next = e as { driverError?: unknown; cause?: unknown };
    e = next.driverError ?? next.cause;
  }
  return false;
}
