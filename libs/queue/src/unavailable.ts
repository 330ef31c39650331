/**
 * Whether an error means "Redis cannot be reached right now": a command refused because the
 * connection is down (the api does not queue commands while disconnected), one that ran out of
 * retries or of time. Requests answer it with 503 and a retry hint instead of waiting for Redis.
 */
const UNAVAILABLE_MESSAGES = ["stream isn't writeable", 'connection is closed', 'command timed out', 'reached the max retries per request', 'redis timeout'];

export function isRedisUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { name, message } = error as { name?: unknown; message?: unknown };
  if (name === 'MaxRetriesPerRequestError') return true;
  if (typeof message !== 'string') return false;
  const m = message.toLowerCase();
  return UNAVAILABLE_MESSAGES.some((s) => m.includes(s));
}
