import { OutboundError } from './outbound.types';

/** The `code` of a Node error (ECONNREFUSED, ENOTFOUND ...), or UNKNOWN. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}

/** One line: the code and the first line of the message, never a stack. */
export function describeError(err: unknown): string {
  const code = errorCode(err);
  const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return code !== 'UNKNOWN' && !msg.includes(code) ? `${code}: ${msg}` : msg;
}

/** A socket or request failure as the OutboundError kind it is (dns, timeout or network). */
export function networkError(host: string, err: unknown): OutboundError {
  if (err instanceof OutboundError) return err; // refusals and DNS failures from the guarded lookup
  const code = errorCode(err);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') {
    return new OutboundError('dns', `could not resolve ${host}: ${code}`, { host, code });
  }
  if (code === 'ETIMEDOUT') return new OutboundError('timeout', `connection to ${host} timed out (${code})`, { host, code });
  return new OutboundError('network', `request to ${host} failed: ${describeError(err)}`, { host, code });
}

export function tooLarge(host: string, maxBytes: number, declared?: number): OutboundError {
  return new OutboundError('too_large', `response from ${host} is larger than ${maxBytes} bytes`, {
    host,
    max_response_bytes: maxBytes,
    ...(declared !== undefined ? { content_length: declared } : {}),
  });
}

export function abortedError(host: string, signal: AbortSignal): OutboundError {
  const reason = signal.reason instanceof Error ? signal.reason.message : signal.reason === undefined ? 'aborted' : String(signal.reason);
  // No dedicated kind exists; an aborted call is "gave up waiting", and details.aborted tells it apart.
  return new OutboundError('timeout', `request to ${host} was aborted (${reason})`, { host, aborted: true });
}

export function incompleteResponse(host: string): OutboundError {
  return new OutboundError('network', `connection to ${host} closed before the response was complete`, { host });
}
