import { decodeBody, isDecodable } from './content-decoding';
import type { Exchange, ExchangeRequest } from './exchange';
import { OutboundError } from './outbound.types';

/** Largest overall timer a signal-driven fetch gets, so a forgotten signal cannot pin a socket forever. */
const FETCH_BACKSTOP_TIMEOUT_MS = 600_000;
const FETCH_DEFAULT_TIMEOUT_MS = 60_000;

/** Sends one exchange through the guarded client, keeping the raw headers. */
export type SendExchange = (req: ExchangeRequest) => Promise<Exchange>;

/**
 * `fetch` semantics over the guarded exchange, for libraries that take a fetch (the OpenAI SDK): any
 * fetch input and body, a real `Response` with a decoded body. The whole body is buffered (under the
 * size cap) before resolving; refusals, redirects and failures reject with the OutboundError, and a
 * cancelled call with the signal's own reason, as with real fetch.
 */
export async function fetchThrough(send: SendExchange, maxBytes: number, input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const fromRequest = typeof input === 'object' && !(input instanceof URL) ? input : undefined;
  const url = fromRequest ? fromRequest.url : String(input);
  const method = (init?.method ?? fromRequest?.method ?? 'GET').toUpperCase();
  const signal = init?.signal ?? fromRequest?.signal ?? undefined;
  if (signal?.aborted) throw abortReason(signal);

  const headers = new Headers(fromRequest?.headers);
  if (init?.headers) new Headers(init.headers).forEach((value, name) => headers.set(name, value));
  const body = await requestBody(init && 'body' in init ? init.body : fromRequest?.body, headers);
  const flat: Record<string, string> = {};
  headers.forEach((value, name) => (flat[name] = value));

  let exchange: Exchange;
  try {
    exchange = await send({
      url,
      method,
      headers: flat,
      body,
      timeout_ms: signal ? FETCH_BACKSTOP_TIMEOUT_MS : FETCH_DEFAULT_TIMEOUT_MS,
      max_response_bytes: maxBytes,
      signal,
    });
  } catch (err) {
    // fetch callers (the SDK) recognise cancellation by the signal's own reason, as with real fetch.
    if (signal?.aborted) throw abortReason(signal);
    throw err;
  }
  return toResponse(exchange, url, method, maxBytes);
}

/**
 * The bytes of a fetch body. Response's body extraction gives fetch's exact encoding rules (strings,
 * buffers, URLSearchParams, Blob, FormData, streams), including the content-type they imply.
 */
async function requestBody(raw: RequestInit['body'] | ReadableStream | undefined, headers: Headers): Promise<Buffer | undefined> {
  if (raw === undefined || raw === null) return undefined;
  const carrier = new Response(raw as ConstructorParameters<typeof Response>[0]);
  const body = Buffer.from(await carrier.arrayBuffer());
  const implied = carrier.headers.get('content-type');
  if (implied && !headers.has('content-type')) headers.set('content-type', implied);
  return body;
}

function toResponse(exchange: Exchange, url: string, method: string, maxBytes: number): Response {
  let payload = exchange.body;
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < exchange.raw_headers.length; i += 2) pairs.push([exchange.raw_headers[i].toLowerCase(), exchange.raw_headers[i + 1]]);
  const encoding = (exchange.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (isDecodable(encoding) && payload.length > 0 && method !== 'HEAD') {
    payload = decodeBody(payload, encoding, maxBytes, new URL(url).hostname);
    // Like real fetch: the body handed out is decoded, so its encoding headers no longer describe it.
    for (let i = pairs.length - 1; i >= 0; i--) if (pairs[i][0] === 'content-encoding' || pairs[i][0] === 'content-length') pairs.splice(i, 1);
  }
  if (exchange.status < 200 || exchange.status > 599) {
    // Response cannot represent these; a server sending one is broken, not answering.
    throw new OutboundError('network', `${new URL(url).hostname} answered an invalid HTTP status ${exchange.status}`, { status: exchange.status });
  }
  const nullBody = [204, 205, 304].includes(exchange.status) || method === 'HEAD';
  const responseHeaders = new Headers();
  for (const [name, value] of pairs) responseHeaders.append(name, value);
  const response = new Response(nullBody ? null : payload, { status: exchange.status, statusText: exchange.status_text, headers: responseHeaders });
  Object.defineProperty(response, 'url', { value: url });
  return response;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
