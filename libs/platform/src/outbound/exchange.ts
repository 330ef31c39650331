import * as http from 'node:http';
import * as https from 'node:https';
import { performance } from 'node:perf_hooks';
import { abortedError, describeError, errorCode, incompleteResponse, networkError, tooLarge } from './outbound-failures';
import type { OutboundRequest, OutboundResponse } from './outbound.types';
import { OutboundError } from './outbound.types';
import { CappedBody, mergeHeaders, refuseByHead } from './response-reader';
import type { Target } from './target';

/** The full result of one exchange; `OutboundResponse` is the public subset of it. */
export interface Exchange extends OutboundResponse {
  status_text: string;
  /** Raw header names and values in arrival order, repeats kept (for `Headers`, where set-cookie stays split). */
  raw_headers: string[];
}

/** An outbound request whose method may be any token (fetch callers send HEAD, OPTIONS ...). */
export interface ExchangeRequest extends Omit<OutboundRequest, 'method'> {
  method?: string;
}

export interface ExchangeOptions {
  maxBytes: number;
  /** The pooled keep-alive agent for the target's protocol. */
  agent: http.Agent;
}

/**
 * One request to a checked target and its whole response, under one overall timer (connection, head
 * and body) and the caller's signal. `withRawHeaders` keeps the raw header list for `fetch`; `request`
 * only needs the merged map.
 */
export function exchange(target: Target, req: ExchangeRequest, options: ExchangeOptions, withRawHeaders: true): Promise<Exchange>;
export function exchange(target: Target, req: ExchangeRequest, options: ExchangeOptions, withRawHeaders: false): Promise<OutboundResponse>;
export function exchange(target: Target, req: ExchangeRequest, options: ExchangeOptions, withRawHeaders: boolean): Promise<Exchange | OutboundResponse> {
  const started = performance.now();
  const host = target.hostname;
  const { maxBytes } = options;
  const method = req.method === undefined ? 'GET' : req.method.toUpperCase();
  if (!/^[A-Z]+$/.test(method)) return Promise.reject(new OutboundError('invalid_url', `unsupported HTTP method for ${host}`, { host }));
  const signal = req.signal;
  if (signal?.aborted) return Promise.reject(abortedError(host, signal));

  return new Promise<Exchange | OutboundResponse>((resolve, reject) => {
    let settled = false;
    let clientReq: http.ClientRequest | undefined;

    const onAbort = () => fail(abortedError(host, signal!));
    const timer = setTimeout(
      () => fail(new OutboundError('timeout', `request to ${host} timed out after ${req.timeout_ms} ms`, { host, timeout_ms: req.timeout_ms })),
      req.timeout_ms,
    );
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: OutboundError) => {
      if (settled) return;
      settled = true;
      cleanup();
      clientReq?.destroy();
      reject(err);
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
    try {
      clientReq = (target.https ? https : http).request(requestOptions(target, method, req.headers, body, options.agent));
    } catch (err) {
      fail(new OutboundError('network', `request to ${host} failed: ${describeError(err)}`, { host, code: errorCode(err) }));
      return;
    }

    clientReq.on('error', (err) => fail(networkError(host, err)));
    clientReq.on('response', (res) => {
      // First, so that destroying the exchange below can never surface as an unhandled 'error'.
      res.on('error', (err) => fail(networkError(host, err)));
      const refusal = refuseByHead(res, host, maxBytes);
      if (refusal) {
        fail(refusal);
        return;
      }
      const remote = res.socket?.remoteAddress ?? '';
      const collected = new CappedBody(maxBytes);
      res.on('data', (chunk: Buffer) => {
        // Destroying the request tears down the socket, so the rest of an oversized body is never read.
        if (!collected.add(chunk)) fail(tooLarge(host, maxBytes));
      });
      res.on('aborted', () => fail(incompleteResponse(host)));
      res.on('end', () => {
        if (!res.complete) {
          fail(incompleteResponse(host));
          return;
        }
        if (settled) return;
        settled = true;
        cleanup();
        const response: OutboundResponse = {
          status: res.statusCode ?? 0,
          headers: mergeHeaders(res.rawHeaders),
          body: collected.buffer(),
          latency_ms: Math.round(performance.now() - started),
          remote_address: remote,
        };
        resolve(withRawHeaders ? { ...response, status_text: res.statusMessage ?? '', raw_headers: res.rawHeaders } : response);
      });
    });
    clientReq.end(body);
  });
}

function requestOptions(
  target: Target,
  method: string,
  given: Record<string, string> | undefined,
  body: Buffer | undefined,
  agent: http.Agent,
): https.RequestOptions {
  const headers: Record<string, string | number> = {};
  let hasLength = false;
  if (given) {
    for (const name of Object.keys(given)) {
      headers[name] = given[name];
      if (!hasLength && name.length === 14 && name.toLowerCase() === 'content-length') hasLength = true;
    }
  }
  if (body && !hasLength) headers['content-length'] = body.length;

  const options: https.RequestOptions = {
    method,
    protocol: target.protocol,
    hostname: target.ip ?? target.hostname,
    port: target.port,
    path: target.path,
    headers,
    // Pooled keep-alive sockets: a socket is only ever opened through the guarded lookup (a host
    // name) or to the checked IP literal, so a reused one is connected to an address that was
    // checked (a later DNS change cannot move it).
    agent,
  };
  if (target.lookup) options.lookup = target.lookup as unknown as http.RequestOptions['lookup'];
  if (target.https && !target.ip) options.servername = target.hostname;
  return options;
}
