/** Why an outbound call was refused or failed. */
export type OutboundFailure =
  | 'invalid_url' // not http/https, unparsable, credentials in the URL
  | 'blocked_address' // resolves to a private, loopback, link-local, metadata... address not allow-listed
  | 'dns' // name did not resolve
  | 'redirect' // the server answered 3xx; redirects are never followed
  | 'timeout'
  | 'too_large' // response body over the cap
  | 'network'; // connection refused/reset, TLS failure...

export class OutboundError extends Error {
  constructor(
    readonly kind: OutboundFailure,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'OutboundError';
  }
}

export interface OutboundRequest {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeout_ms: number;
  /** Defaults to OUTBOUND_MAX_RESPONSE_BYTES. */
  max_response_bytes?: number;
  signal?: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Wall time from the start of the call to the end of the body. */
  latency_ms: number;
  /** The address actually connected to. */
  remote_address: string;
}
