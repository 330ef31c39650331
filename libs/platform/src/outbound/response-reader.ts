import type * as http from 'node:http';
import { tooLarge } from './outbound-failures';
import { OutboundError } from './outbound.types';

/**
 * Refusals a response earns from its head alone: a redirect (never followed: its target was never
 * checked) or a declared length over the cap. Null when the body may be read.
 */
export function refuseByHead(res: http.IncomingMessage, host: string, maxBytes: number): OutboundError | null {
  const status = res.statusCode ?? 0;
  if (status >= 300 && status < 400) {
    const location = typeof res.headers.location === 'string' ? res.headers.location : null;
    return new OutboundError('redirect', `${host} answered ${status}; redirects are not followed`, { host, status, location });
  }
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return tooLarge(host, maxBytes, declared);
  return null;
}

/** Collects a body up to a cap. Most answers arrive in one chunk: that one is kept as it is, not copied. */
export class CappedBody {
  private first: Buffer | undefined;
  private chunks: Buffer[] | undefined;
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  /** Adds a chunk; false once the body is over the cap (the caller stops reading). */
  add(chunk: Buffer): boolean {
    this.size += chunk.length;
    if (this.size > this.maxBytes) return false;
    if (this.first === undefined) this.first = chunk;
    else (this.chunks ??= [this.first]).push(chunk);
    return true;
  }

  buffer(): Buffer {
    return this.chunks ? Buffer.concat(this.chunks, this.size) : (this.first ?? Buffer.alloc(0));
  }
}

/** Raw header pairs as one map: names lower-cased, repeated headers joined with ", ". */
export function mergeHeaders(raw: string[]): Record<string, string> {
  const merged: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1];
    merged[name] = name in merged ? `${merged[name]}, ${value}` : value;
  }
  return merged;
}
