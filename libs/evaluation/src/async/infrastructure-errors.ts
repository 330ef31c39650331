import { isDatabaseUnavailable } from '@greenlight/database';
import { isRedisUnavailable } from '@greenlight/queue';
import { DomainError } from '@greenlight/platform';

/**
 * SQLSTATEs that say "our database could not do it now", not "this statement is wrong": a query
 * cancelled by a statement or lock timeout, a deadlock or serialization conflict, a server out of
 * resources or failing on its own disk.
 */
const TRANSIENT_STATES = new Set(['57014', '55P03', '40001', '40P01']);
const TRANSIENT_CLASSES = ['53', '58'];

const TRANSIENT_MESSAGES = ['query read timeout', 'canceling statement due to statement timeout'];

/**
 * Whether an error is our infrastructure failing (Postgres or Redis unreachable, restarting, out of
 * connections, a query timing out) rather than the agent, the judge or the run's configuration. A run
 * waits such errors out and tries again; it never records them as the agent's result. A DomainError
 * has been classified where it arose (an agent or judge call that could not connect is the agent's or
 * the provider's failure, whatever its cause says).
 */
export function isInfrastructureError(error: unknown): boolean {
  if (error instanceof DomainError) return false;
  if (isDatabaseUnavailable(error) || isRedisUnavailable(error)) return true;
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (TRANSIENT_STATES.has(code) || (code.length === 5 && TRANSIENT_CLASSES.includes(code.slice(0, 2))))) return true;
    if (typeof message === 'string' && TRANSIENT_MESSAGES.some((m) => message.toLowerCase().includes(m))) return true;
    const next = e as { driverError?: unknown; cause?: unknown };
    e = next.driverError ?? next.cause;
  }
  return false;
}
